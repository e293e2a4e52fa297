// Hides the questions of a questionnaire that do not apply (data-show-if holds the rule the
// server checks, as a JSON tree: {"var"}, {"answered"}, {"not"}, {"and"}, {"or"},
// {"op", "args"}, {"list"}, literals). Without this script every question shows with a
// note saying when it applies; either way the server decides what counts.
(function () {
  'use strict';
  var form = document.querySelector('form.questionnaire');
  if (!form) return;
  document.documentElement.className += ' js';
  // Tells the server this page hides what does not apply, so an answer to a hidden
  // question is a client out of step, not a leftover.
  var js = form.querySelector('input[name=js]');
  if (js) js.value = '1';
  var rules = [];
  form.querySelectorAll('fieldset.q').forEach(function (f) {
    var rule = f.getAttribute('data-show-if');
    rules.push({ field: f, id: f.id.slice(2), rule: rule ? JSON.parse(rule) : null });
  });
  function hidden(id) {
    var f = document.getElementById('q-' + id);
    return !!(f && f.hidden);
  }
  // The answer to a question as the server reads it; null when unanswered or hidden.
  function value(id) {
    if (hidden(id)) return null;
    var inputs = form.querySelectorAll('[name="' + id + '"]');
    if (!inputs.length) return null;
    var first = inputs[0];
    if (first.type === 'checkbox') {
      var list = [];
      inputs.forEach(function (i) { if (i.checked) list.push(i.value); });
      return list.length ? list : null;
    }
    if (first.type === 'radio') {
      var chosen = null;
      inputs.forEach(function (i) { if (i.checked) chosen = i.value; });
      return chosen;
    }
    var text = first.value.trim();
    if (text === '') return null;
    if (first.inputMode === 'decimal' || first.inputMode === 'numeric') {
      var n = Number(text);
      return isNaN(n) ? text : n;
    }
    return text;
  }
  function ev(e) {
    if (e === null || typeof e !== 'object') return e;
    if ('var' in e) return value(e['var']);
    if ('answered' in e) return value(e.answered) !== null;
    if ('list' in e) return e.list;
    if ('not' in e) { var v = ev(e.not); return typeof v === 'boolean' ? !v : null; }
    if ('and' in e) return ev(e.and[0]) === true && ev(e.and[1]) === true;
    if ('or' in e) return ev(e.or[0]) === true || ev(e.or[1]) === true;
    var a = ev(e.args[0]), b = ev(e.args[1]);
    if (e.op === 'in') return typeof a === 'string' && Array.isArray(b) && b.indexOf(a) >= 0;
    // A comparison with an unanswered question, or across types, is false.
    if (a === null || b === null || typeof a !== typeof b || Array.isArray(a)) return false;
    switch (e.op) {
      case '==': return a === b;
      case '!=': return a !== b;
      case '<': return a < b;
      case '<=': return a <= b;
      case '>': return a > b;
      case '>=': return a >= b;
    }
    return false;
  }
  function update() {
    // In order: a question's rule sees the earlier questions as just decided.
    rules.forEach(function (r) {
      // A disabled fieldset's inputs are not posted: a hidden question sends nothing.
      if (r.rule) r.field.hidden = r.field.disabled = ev(r.rule) !== true;
    });
  }
  // An exclusive choice ("none of these") clears the others, and the others clear it.
  form.addEventListener('change', function (event) {
    var box = event.target;
    if (box.type === 'checkbox' && box.checked) {
      form.querySelectorAll('[name="' + box.name + '"]').forEach(function (other) {
        if (other !== box && (box.hasAttribute('data-exclusive') || other.hasAttribute('data-exclusive'))) {
          other.checked = false;
        }
      });
    }
    update();
  });
  form.addEventListener('input', update);
  // Tells the server the script ran: an answer to a hidden question is then refused, not
  // silently dropped as it is for a page without JavaScript.
  if (form.elements.js) form.elements.js.value = '1';
  update();
})();
