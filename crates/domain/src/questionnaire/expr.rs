//! The small expression language of `show_if` relevance rules and cross-question constraints:
//! `need == "yes" && amount > 100`, `"collateral" in obstacles`, `!(mode == "on_site")`,
//! `answered(x)`, `status in ["approved", "disbursed"]`.
//!
//! Grammar (lowest precedence first; comparisons do not chain):
//! ```text
//! or      := and ("||" and)*
//! and     := not ("&&" not)*
//! not     := "!" not | cmp
//! cmp     := primary (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") primary)?
//! primary := string | number | "-" number | "true" | "false" | "[" strings "]"
//!          | ident | "answered" "(" ident ")" | "(" or ")"
//! ```
//! Hand-written and bounded (length, nesting) because definitions may one day be uploaded by
//! HQ staff: nothing is ever executed, only this tree is evaluated.
//!
//! Semantics: an unanswered or hidden question is null; every comparison involving null is
//! false (so `!(x == "a")` is true when `x` is unanswered, but `x != "a"` is false).

use std::fmt;

use super::value::{Dec, Value};

/// Longest expression source accepted, in bytes.
pub const MAX_LEN: usize = 1000;
/// Deepest nesting accepted (parentheses, `!`, operators).
pub const MAX_DEPTH: usize = 32;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
        }
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Str(String),
    Num(Dec),
    Bool(bool),
    /// A list literal (of strings: the codes of a multiple-choice question).
    List(Vec<String>),
    /// The answer to the question with this id.
    Var(String),
    /// Whether the question with this id has a (visible) answer.
    Answered(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
}

/// Why an expression was refused: at parse time (position is a byte offset) or when its
/// names and types were checked against the questions before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("表达式“{source_text}”有误（第 {position} 字节附近）：{message}")]
pub struct ExprError {
    pub source_text: String,
    pub position: usize,
    pub message: String,
}

/// Words that cannot be question ids because the language uses them.
pub const RESERVED: [&str; 4] = ["true", "false", "in", "answered"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(Dec),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Minus,
    Not,
    And,
    Or,
    Op(CmpOp),
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, (usize, String)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let two = bytes.get(i..i + 2);
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b',' => Tok::Comma,
            b'-' => Tok::Minus,
            _ if two == Some(b"&&") => Tok::And,
            _ if two == Some(b"||") => Tok::Or,
            _ if two == Some(b"==") => Tok::Op(CmpOp::Eq),
            _ if two == Some(b"!=") => Tok::Op(CmpOp::Ne),
            _ if two == Some(b"<=") => Tok::Op(CmpOp::Le),
            _ if two == Some(b">=") => Tok::Op(CmpOp::Ge),
            b'!' => Tok::Not,
            b'<' => Tok::Op(CmpOp::Lt),
            b'>' => Tok::Op(CmpOp::Gt),
            b'"' => {
                let mut s = String::new();
                let mut chars = src[i + 1..].char_indices();
                loop {
                    match chars.next() {
                        None => return Err((start, "字符串缺少结尾的引号".into())),
                        Some((k, '"')) => {
                            i += 1 + k + 1;
                            break;
                        }
                        Some((_, '\\')) => match chars.next() {
                            Some((_, e @ ('"' | '\\'))) => s.push(e),
                            _ => return Err((start, "字符串中只允许 \\\" 和 \\\\ 转义".into())),
                        },
                        Some((_, ch)) => s.push(ch),
                    }
                }
                out.push((start, Tok::Str(s)));
                continue;
            }
            b'0'..=b'9' => {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let text = &src[start..i];
                let n = Dec::parse(text)
                    .ok_or_else(|| (start, format!("数字“{text}”格式不对（最多两位小数）")))?;
                out.push((start, Tok::Num(n)));
                continue;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                out.push((
                    start,
                    if word == "in" {
                        Tok::Op(CmpOp::In)
                    } else {
                        Tok::Ident(word.to_owned())
                    },
                ));
                continue;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err((start, format!("不认识的字符“{ch}”")));
            }
        };
        i += match tok {
            Tok::And | Tok::Or => 2,
            Tok::Op(CmpOp::Eq | CmpOp::Ne | CmpOp::Le | CmpOp::Ge) => 2,
            _ => 1,
        };
        out.push((start, tok));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

type PResult<T> = Result<T, (usize, String)>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(o, _)| *o)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: &Tok, what: &str) -> PResult<()> {
        let at = self.offset();
        match self.next() {
            Some(ref t) if t == want => Ok(()),
            _ => Err((at, format!("此处应为 {what}"))),
        }
    }

    fn deeper(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((self.offset(), format!("嵌套超过 {MAX_DEPTH} 层")));
        }
        Ok(())
    }

    fn or(&mut self) -> PResult<Expr> {
        self.deeper()?;
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut left = self.not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> PResult<Expr> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> PResult<Expr> {
        let left = self.primary()?;
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.pos += 1;
            let right = self.primary()?;
            if let Some(Tok::Op(_)) = self.peek() {
                return Err((self.offset(), "比较不能连写，请加括号".into()));
            }
            return Ok(Expr::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let at = self.offset();
        match self.next() {
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Minus) => match self.next() {
                Some(Tok::Num(n)) => Ok(Expr::Num(Dec(-n.0))),
                _ => Err((at, "“-”后面应为数字".into())),
            },
            Some(Tok::Ident(w)) if w == "true" => Ok(Expr::Bool(true)),
            Some(Tok::Ident(w)) if w == "false" => Ok(Expr::Bool(false)),
            Some(Tok::Ident(w)) if w == "answered" => {
                self.expect(&Tok::LParen, "“(”")?;
                let id_at = self.offset();
                let id = match self.next() {
                    Some(Tok::Ident(id)) if !RESERVED.contains(&id.as_str()) => id,
                    _ => return Err((id_at, "answered(…) 里应为题目编号".into())),
                };
                self.expect(&Tok::RParen, "“)”")?;
                Ok(Expr::Answered(id))
            }
            Some(Tok::Ident(w)) => Ok(Expr::Var(w)),
            Some(Tok::LParen) => {
                let inner = self.or()?;
                self.expect(&Tok::RParen, "“)”")?;
                Ok(inner)
            }
            Some(Tok::LBracket) => {
                let mut items = Vec::new();
                if self.peek() == Some(&Tok::RBracket) {
                    self.pos += 1;
                    return Ok(Expr::List(items));
                }
                loop {
                    let item_at = self.offset();
                    match self.next() {
                        Some(Tok::Str(s)) => items.push(s),
                        _ => return Err((item_at, "列表中只能是带引号的选项代码".into())),
                    }
                    let sep_at = self.offset();
                    match self.next() {
                        Some(Tok::Comma) => {}
                        Some(Tok::RBracket) => return Ok(Expr::List(items)),
                        _ => return Err((sep_at, "此处应为“,”或“]”".into())),
                    }
                }
            }
            Some(_) => Err((at, "此处应为值、题目编号或“(”".into())),
            None => Err((at, "表达式不完整".into())),
        }
    }
}

impl Expr {
    /// Parses an expression (syntax only; [`Expr::check`] checks names and types).
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let err = |(position, message): (usize, String)| ExprError {
            source_text: src.chars().take(80).collect(),
            position,
            message,
        };
        if src.len() > MAX_LEN {
            return Err(err((MAX_LEN, format!("表达式超过 {MAX_LEN} 字节"))));
        }
        let toks = tokenize(src).map_err(err)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: src.len(),
            depth: 0,
        };
        let e = p.or().map_err(err)?;
        if p.pos < p.toks.len() {
            return Err(err((p.offset(), "表达式在此处之后还有多余内容".into())));
        }
        Ok(e)
    }

    /// Every question id the expression refers to, in order of appearance.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Var(id) | Expr::Answered(id) => out.push(id),
            Expr::Not(e) => e.collect_refs(out),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) => {
                a.collect_refs(out);
                b.collect_refs(out);
            }
            _ => {}
        }
    }

    /// Checks names and types against the questions in scope: `scope(id)` gives the type of
    /// an earlier question and, for choice questions, its codes, or a message saying why the
    /// id may not be used here. The whole expression must be a condition (boolean).
    pub fn check(&self, scope: &dyn Fn(&str) -> Result<VarInfo, String>) -> Result<(), String> {
        match self.ty(scope)? {
            Ty::Bool => Ok(()),
            other => Err(format!(
                "整个表达式应为条件（真/假），而不是{}",
                other.name()
            )),
        }
    }

    fn ty(&self, scope: &dyn Fn(&str) -> Result<VarInfo, String>) -> Result<Ty, String> {
        Ok(match self {
            Expr::Str(_) => Ty::Str,
            Expr::Num(_) => Ty::Num,
            Expr::Bool(_) => Ty::Bool,
            Expr::List(_) => Ty::List,
            Expr::Var(id) => scope(id)?.ty,
            Expr::Answered(id) => {
                scope(id)?;
                Ty::Bool
            }
            Expr::Not(e) => {
                expect_bool(e.ty(scope)?, "“!”")?;
                Ty::Bool
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                expect_bool(a.ty(scope)?, "“&&”/“||”")?;
                expect_bool(b.ty(scope)?, "“&&”/“||”")?;
                Ty::Bool
            }
            Expr::Cmp(op, a, b) => {
                let (ta, tb) = (a.ty(scope)?, b.ty(scope)?);
                let ok = match op {
                    CmpOp::In => ta == Ty::Str && tb == Ty::List,
                    CmpOp::Eq | CmpOp::Ne => ta == tb && ta != Ty::List,
                    _ => ta == tb && matches!(ta, Ty::Num | Ty::Str),
                };
                if !ok {
                    return Err(format!(
                        "“{}”不能用于{}和{}",
                        op.symbol(),
                        ta.name(),
                        tb.name()
                    ));
                }
                check_codes(a, b, scope)?;
                check_codes(b, a, scope)?;
                Ty::Bool
            }
        })
    }

    /// Evaluates against the answers so far (`lookup` gives null for anything unanswered).
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Value) -> Value {
        match self {
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Num(n) => Value::Num(*n),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::List(l) => Value::List(l.clone()),
            Expr::Var(id) => lookup(id),
            Expr::Answered(id) => Value::Bool(lookup(id) != Value::Null),
            Expr::Not(e) => match e.eval(lookup) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            Expr::And(a, b) => Value::Bool(a.holds(lookup) && b.holds(lookup)),
            Expr::Or(a, b) => Value::Bool(a.holds(lookup) || b.holds(lookup)),
            Expr::Cmp(op, a, b) => Value::Bool(compare(*op, &a.eval(lookup), &b.eval(lookup))),
        }
    }

    /// Whether the expression evaluates to true (null and non-booleans count as false).
    pub fn holds(&self, lookup: &dyn Fn(&str) -> Value) -> bool {
        self.eval(lookup) == Value::Bool(true)
    }

    /// The tree as JSON, for the page script that hides irrelevant questions (evaluating a
    /// tree is a few lines of JavaScript; parsing is not): `{"var": id}`, `{"answered": id}`,
    /// `{"not": e}`, `{"and": [a, b]}`, `{"or": [a, b]}`, `{"op": "==", "args": [a, b]}`,
    /// `{"list": [..]}`, and strings, booleans and numbers as themselves. The script must
    /// follow the same rule: a comparison with an unanswered question is false. The server's
    /// evaluation is the one that counts.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Expr::Str(s) => json!(s),
            // Hundredths fit an f64 exactly up to 2^53: far beyond any bound in a definition.
            Expr::Num(n) => json!(n.0 as f64 / 100.0),
            Expr::Bool(b) => json!(b),
            Expr::List(l) => json!({ "list": l }),
            Expr::Var(id) => json!({ "var": id }),
            Expr::Answered(id) => json!({ "answered": id }),
            Expr::Not(e) => json!({ "not": e.to_json() }),
            Expr::And(a, b) => json!({ "and": [a.to_json(), b.to_json()] }),
            Expr::Or(a, b) => json!({ "or": [a.to_json(), b.to_json()] }),
            Expr::Cmp(op, a, b) => json!({ "op": op.symbol(), "args": [a.to_json(), b.to_json()] }),
        }
    }

    /// Binding strength, for printing with the fewest parentheses.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(_) => 3,
            Expr::Cmp(..) => 4,
            _ => 5,
        }
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match op {
        CmpOp::In => match (a, b) {
            (Value::Str(x), Value::List(l)) => l.contains(x),
            _ => false,
        },
        CmpOp::Eq => ord == Some(Ordering::Equal),
        CmpOp::Ne => ord.is_some_and(|o| o != Ordering::Equal),
        CmpOp::Lt => ord == Some(Ordering::Less),
        CmpOp::Le => ord.is_some_and(|o| o != Ordering::Greater),
        CmpOp::Gt => ord == Some(Ordering::Greater),
        CmpOp::Ge => ord.is_some_and(|o| o != Ordering::Less),
    }
}

fn expect_bool(t: Ty, what: &str) -> Result<(), String> {
    if t == Ty::Bool {
        Ok(())
    } else {
        Err(format!("{what} 的两边应为条件，而不是{}", t.name()))
    }
}

/// A string literal compared with a choice question must be one of its codes: a typo such
/// as `need == "yse"` would otherwise silently hide a question for ever.
fn check_codes(
    var: &Expr,
    other: &Expr,
    scope: &dyn Fn(&str) -> Result<VarInfo, String>,
) -> Result<(), String> {
    let Expr::Var(id) = var else { return Ok(()) };
    let Some(codes) = scope(id)?.codes else {
        return Ok(());
    };
    let literals: Vec<&String> = match other {
        Expr::Str(s) => vec![s],
        Expr::List(l) => l.iter().collect(),
        _ => return Ok(()),
    };
    match literals.into_iter().find(|s| !codes.contains(s)) {
        Some(bad) => Err(format!("题目 {id} 没有选项代码“{bad}”")),
        None => Ok(()),
    }
}

/// The static type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Num,
    Str,
    List,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "条件",
            Ty::Num => "数字",
            Ty::Str => "文字",
            Ty::List => "列表",
        }
    }
}

/// What an expression may know about a question in scope.
#[derive(Debug, Clone)]
pub struct VarInfo {
    pub ty: Ty,
    /// The choice codes, for choice questions.
    pub codes: Option<Vec<String>>,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Prints the expression in the syntax [`Expr::parse`] reads, with only the parentheses
/// precedence needs: what the page's script and the definition files show.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let child = |f: &mut fmt::Formatter<'_>, e: &Expr, min: u8| {
            if e.precedence() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            Expr::Str(s) => f.write_str(&quote(s)),
            Expr::Num(n) => write!(f, "{n}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::List(l) => {
                let items: Vec<String> = l.iter().map(|s| quote(s)).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Expr::Var(id) => f.write_str(id),
            Expr::Answered(id) => write!(f, "answered({id})"),
            Expr::Not(e) => {
                f.write_str("!")?;
                // `!(x == "a")` rather than the equivalent `!x == "a"`, which reads wrongly.
                child(f, e, if matches!(**e, Expr::Not(_)) { 3 } else { 5 })
            }
            Expr::And(a, b) => {
                child(f, a, 2)?;
                f.write_str(" && ")?;
                child(f, b, 3)
            }
            Expr::Or(a, b) => {
                child(f, a, 1)?;
                f.write_str(" || ")?;
                child(f, b, 2)
            }
            Expr::Cmp(op, a, b) => {
                child(f, a, 5)?;
                write!(f, " {} ", op.symbol())?;
                child(f, b, 5)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Expr {
        Expr::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn var(s: &str) -> Box<Expr> {
        Box::new(Expr::Var(s.into()))
    }

    #[test]
    fn precedence_and_associativity() {
        let e = p("a == \"x\" || b > 1 && !c == \"y\"");
        let expected = Expr::Or(
            Box::new(Expr::Cmp(
                CmpOp::Eq,
                var("a"),
                Box::new(Expr::Str("x".into())),
            )),
            Box::new(Expr::And(
                Box::new(Expr::Cmp(
                    CmpOp::Gt,
                    var("b"),
                    Box::new(Expr::Num(Dec(100))),
                )),
                Box::new(Expr::Not(Box::new(Expr::Cmp(
                    CmpOp::Eq,
                    var("c"),
                    Box::new(Expr::Str("y".into())),
                )))),
            )),
        );
        assert_eq!(e, expected);
        // Left-associative, and printing keeps the grouping.
        assert!(matches!(p("a || b || c"), Expr::Or(l, _) if matches!(*l, Expr::Or(..))));
        assert_eq!(p("a || (b || c)").to_string(), "a || (b || c)");
        assert_eq!(p("((a))").to_string(), "a");
        assert_eq!(p("!(x == \"on_site\")").to_string(), "!(x == \"on_site\")");
        assert_eq!(p("x in [\"a\",\"b\"]").to_string(), "x in [\"a\", \"b\"]");
        assert_eq!(
            p("p > -3.5"),
            Expr::Cmp(CmpOp::Gt, var("p"), Box::new(Expr::Num(Dec(-350))))
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        for (src, at) in [
            ("a ==", 4),
            ("a == \"x", 5),
            ("(a", 2),
            ("a b", 2),
            ("a == 1 == 2", 7),
            ("a # b", 2),
            ("x > 1.234", 4),
            ("answered(1)", 9),
            ("[1]", 1),
            ("", 0),
        ] {
            let e = Expr::parse(src).expect_err(src);
            assert_eq!(e.position, at, "{src}: {e}");
        }
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(Expr::parse(&deep).unwrap_err().message.contains("嵌套"));
        let bangs = format!("{}a", "!".repeat(40));
        assert!(Expr::parse(&bangs).is_err());
        let long = vec!["a"; 600].join("||");
        assert!(Expr::parse(&long).unwrap_err().message.contains("字节"));
    }

    fn scope(id: &str) -> Result<VarInfo, String> {
        match id {
            "need" => Ok(VarInfo {
                ty: Ty::Str,
                codes: Some(vec!["yes".into(), "no".into()]),
            }),
            "amount" => Ok(VarInfo {
                ty: Ty::Num,
                codes: None,
            }),
            "obstacles" => Ok(VarInfo {
                ty: Ty::List,
                codes: Some(vec!["collateral".into(), "none".into()]),
            }),
            other => Err(format!("未知题目 {other}")),
        }
    }

    #[test]
    fn checking_names_types_and_codes() {
        for ok in [
            "need == \"yes\" && amount > 100",
            "\"collateral\" in obstacles",
            "need in [\"yes\", \"no\"]",
            "answered(amount) || !(need == \"no\")",
        ] {
            assert_eq!(p(ok).check(&scope), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("need == \"yse\"", "yse"),
            ("\"gold\" in obstacles", "gold"),
            ("need in [\"yes\", \"maybe\"]", "maybe"),
            ("later == \"x\"", "later"),
            ("amount > \"x\"", "数字"),
            ("need", "条件"),
            ("amount && need == \"yes\"", "条件"),
            ("obstacles == obstacles", "列表"),
        ] {
            let e = p(bad).check(&scope).expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn json_tree_for_the_page_script() {
        let e = p("!(mode == \"on_site\") && (answered(x) || amount > 1.5 || m in [\"a\"])");
        assert_eq!(
            e.to_json(),
            serde_json::json!({"and": [
                {"not": {"op": "==", "args": [{"var": "mode"}, "on_site"]}},
                {"or": [
                    {"or": [{"answered": "x"}, {"op": ">", "args": [{"var": "amount"}, 1.5]}]},
                    {"op": "in", "args": [{"var": "m"}, {"list": ["a"]}]}
                ]}
            ]})
        );
    }

    #[test]
    fn null_compares_false() {
        let none = |_: &str| Value::Null;
        assert!(!p("x == \"a\"").holds(&none));
        assert!(!p("x != \"a\"").holds(&none));
        assert!(p("!(x == \"a\")").holds(&none));
        assert!(!p("x < 1").holds(&none) && !p("x >= 1").holds(&none));
        assert!(!p("\"a\" in x").holds(&none));
        assert!(!p("answered(x)").holds(&none));
        let some = |id: &str| match id {
            "x" => Value::Num(Dec(150)),
            "l" => Value::List(vec!["a".into()]),
            _ => Value::Null,
        };
        assert!(p("x > 1 && x <= 1.5 && \"a\" in l && answered(l)").holds(&some));
        assert!(p("x == 1.5 || y == 1").holds(&some));
    }

    fn ident() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a"),
            Just("need"),
            Just("x_1"),
            Just("trueish"),
            Just("in_b")
        ]
        .prop_map(String::from)
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-z\"\\\\ 是否_]{0,6}"
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            text().prop_map(Expr::Str),
            (-100_000i64..100_000).prop_map(|n| Expr::Num(Dec(n))),
            any::<bool>().prop_map(Expr::Bool),
            prop::collection::vec(text(), 0..3).prop_map(Expr::List),
            ident().prop_map(Expr::Var),
            ident().prop_map(Expr::Answered),
        ];
        leaf.prop_recursive(6, 40, 2, |inner| {
            let op = prop_oneof![
                Just(CmpOp::Eq),
                Just(CmpOp::Ne),
                Just(CmpOp::Lt),
                Just(CmpOp::Le),
                Just(CmpOp::Gt),
                Just(CmpOp::Ge),
                Just(CmpOp::In)
            ];
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
                (op, inner.clone(), inner).prop_map(|(o, a, b)| Expr::Cmp(
                    o,
                    Box::new(a),
                    Box::new(b)
                )),
            ]
        })
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_tree(e in expr()) {
            let printed = e.to_string();
            prop_assert_eq!(Expr::parse(&printed).map_err(|e| e.to_string()), Ok(e), "{}", printed);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "[a-z0-9 ()\\[\\]!=<>&|\",.-]{0,60}") {
            let _ = Expr::parse(&s);
        }
    }
}
