// The workbench's one convenience: a button that copies the SMS text with the link. Without
// JavaScript the button stays hidden and the text can be selected and copied by hand.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var done = function () { button.textContent = '已复制'; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () {});
      } else {
        source.select();
        if (document.execCommand('copy')) done();
      }
    });
  });
})();
