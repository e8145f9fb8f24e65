//! A minimal reader for Python pickles (protocol ≤ 2) as written by Python 2's cPickle, enough
//! for the Planetoid `ind.*` files: scipy CSR matrices, numpy arrays and `defaultdict(list)`.
//!
//! The reader runs the pickle machine over a value arena, so memo references (`BINPUT` /
//! `BINGET`) share objects exactly as Python does. Nothing is imported or executed: a `GLOBAL`
//! becomes a [`PickleValue::Global`] name, and `REDUCE` / `NEWOBJ` / `BUILD` record the callable,
//! arguments and state in a [`PickleValue::Object`], which [`PickleValue::as_ndarray`] and
//! [`PickleValue::as_csr`] interpret. The one exception is `collections.defaultdict`, which
//! becomes a plain dict so that `SETITEMS` can fill it. Strings are Python 2 `str`, i.e. raw
//! bytes ([`PickleValue::Bytes`]); pickles written by Python 3 with protocol 2 also load, since
//! their byte strings (`_codecs.encode(text, 'latin1')`) are turned back into bytes.
//!
//! Supported opcodes: `PROTO GLOBAL BINPUT LONG_BINPUT BINGET LONG_BINGET EMPTY_TUPLE
//! EMPTY_DICT EMPTY_LIST NEWOBJ REDUCE BUILD MARK TUPLE TUPLE1 TUPLE2 TUPLE3 SETITEM SETITEMS
//! APPEND APPENDS BININT BININT1 BININT2 NONE NEWTRUE NEWFALSE SHORT_BINSTRING BINSTRING
//! BINUNICODE STOP`. Anything else is reported with its byte offset.

use std::collections::HashMap;
use std::path::Path;

use gsl_core::{GslError, Result};

use super::{CsrMatrix, parse_error};

/// A decoded pickle value.
#[derive(Debug, Clone, PartialEq)]
pub enum PickleValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A Python 2 `str` (raw bytes).
    Bytes(Vec<u8>),
    /// A unicode string.
    Str(String),
    /// A tuple.
    Tuple(Vec<PickleValue>),
    /// A list.
    List(Vec<PickleValue>),
    /// A dict (also `collections.defaultdict`), in insertion order.
    Dict(Vec<(PickleValue, PickleValue)>),
    /// A reference to a module attribute (`module.name`), never resolved.
    Global {
        /// The module, e.g. `numpy`.
        module: String,
        /// The attribute, e.g. `ndarray`.
        name: String,
    },
    /// An object built by calling `class(*args)` (`REDUCE` / `NEWOBJ`) and then setting its
    /// state (`BUILD`).
    Object {
        /// The callable or class (usually a [`PickleValue::Global`]).
        class: Box<PickleValue>,
        /// Its arguments (a tuple).
        args: Box<PickleValue>,
        /// The state passed to `BUILD`, if any.
        state: Option<Box<PickleValue>>,
    },
}

/// The stored items of an arena slot; children are arena indices.
#[derive(Debug, Clone)]
enum Slot {
    None,
    Bool(bool),
    Int(i64),
    Bytes(Vec<u8>),
    Str(String),
    Tuple(Vec<usize>),
    List(Vec<usize>),
    Dict(Vec<(usize, usize)>),
    Global(String, String),
    Object {
        class: usize,
        args: usize,
        state: Option<usize>,
    },
}

/// Nesting deeper than this (or a reference cycle) is rejected when converting to a tree.
const MAX_DEPTH: usize = 64;

struct Machine<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    arena: Vec<Slot>,
    stack: Vec<usize>,
    marks: Vec<usize>,
    memo: HashMap<u32, usize>,
}

impl<'a> Machine<'a> {
    fn err(&self, at: usize, message: impl std::fmt::Display) -> GslError {
        parse_error(
            self.path,
            None,
            format!("pickle byte offset {at}: {message}"),
        )
    }

    fn take(&mut self, n: usize, op_at: usize) -> Result<&'a [u8]> {
        if self.bytes.len() - self.pos < n {
            return Err(self.err(op_at, format!("truncated: needs {n} more bytes")));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, at: usize) -> Result<u8> {
        Ok(self.take(1, at)?[0])
    }

    fn u16(&mut self, at: usize) -> Result<u16> {
        let b = self.take(2, at)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, at: usize) -> Result<u32> {
        let b = self.take(4, at)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn line(&mut self, at: usize) -> Result<String> {
        let rest = &self.bytes[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| self.err(at, "GLOBAL name is not terminated by a newline"))?;
        let s = std::str::from_utf8(&rest[..end])
            .map_err(|_| self.err(at, "GLOBAL name is not UTF-8"))?
            .to_string();
        self.pos += end + 1;
        Ok(s)
    }

    fn push(&mut self, slot: Slot) {
        self.arena.push(slot);
        self.stack.push(self.arena.len() - 1);
    }

    fn pop(&mut self, at: usize) -> Result<usize> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.err(at, "stack underflow"));
        }
        Ok(self.stack.pop().expect("checked non-empty"))
    }

    fn top(&self, at: usize) -> Result<usize> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.err(at, "stack underflow"));
        }
        Ok(*self.stack.last().expect("checked non-empty"))
    }

    /// Pops everything above the innermost mark, and the mark.
    fn pop_mark(&mut self, at: usize) -> Result<Vec<usize>> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.err(at, "no MARK on the stack"))?;
        Ok(self.stack.split_off(mark))
    }

    fn memo_put(&mut self, key: u32, at: usize) -> Result<()> {
        let top = self.top(at)?;
        self.memo.insert(key, top);
        Ok(())
    }

    fn memo_get(&mut self, key: u32, at: usize) -> Result<()> {
        let id = *self
            .memo
            .get(&key)
            .ok_or_else(|| self.err(at, format!("memo key {key} was never stored")))?;
        self.stack.push(id);
        Ok(())
    }

    fn append(&mut self, target: usize, items: Vec<usize>, at: usize) -> Result<()> {
        match &mut self.arena[target] {
            Slot::List(list) => {
                list.extend(items);
                Ok(())
            }
            _ => Err(self.err(at, "APPEND target is not a list")),
        }
    }

    fn set_items(&mut self, target: usize, items: Vec<usize>, at: usize) -> Result<()> {
        if !items.len().is_multiple_of(2) {
            return Err(self.err(at, "SETITEMS needs key/value pairs"));
        }
        match &mut self.arena[target] {
            Slot::Dict(dict) => {
                dict.extend(items.chunks(2).map(|kv| (kv[0], kv[1])));
                Ok(())
            }
            _ => Err(self.err(at, "SETITEM(S) target is not a dict")),
        }
    }

    /// `callable(*args)`: records the call, except for `collections.defaultdict`, which is a
    /// dict for our purposes, and `_codecs.encode(text, 'latin1')`, which is how Python 3
    /// writes a byte string under protocol 2 (each code point is one byte).
    fn call(&mut self, class: usize, args: usize, at: usize) -> Result<()> {
        let Slot::Global(m, n) = &self.arena[class] else {
            self.push(Slot::Object {
                class,
                args,
                state: None,
            });
            return Ok(());
        };
        if m == "collections" && n == "defaultdict" {
            self.push(Slot::Dict(Vec::new()));
        } else if m == "_codecs" && n == "encode" {
            let Slot::Tuple(a) = &self.arena[args] else {
                return Err(self.err(at, "_codecs.encode arguments are not a tuple"));
            };
            let (text, encoding) = match a.as_slice() {
                [t, e] => match (&self.arena[*t], &self.arena[*e]) {
                    (Slot::Str(t), Slot::Str(e)) => (t, e),
                    _ => return Err(self.err(at, "_codecs.encode expects (str, str)")),
                },
                _ => return Err(self.err(at, "_codecs.encode expects two arguments")),
            };
            if encoding != "latin1" && encoding != "latin-1" {
                return Err(self.err(at, format!("encoding `{encoding}` is not supported")));
            }
            let bytes = text
                .chars()
                .map(|c| u8::try_from(u32::from(c)))
                .collect::<std::result::Result<Vec<u8>, _>>()
                .map_err(|_| self.err(at, "latin1 text holds a code point above 255"))?;
            self.push(Slot::Bytes(bytes));
        } else {
            self.push(Slot::Object {
                class,
                args,
                state: None,
            });
        }
        Ok(())
    }

    fn run(&mut self) -> Result<usize> {
        loop {
            let at = self.pos;
            let op = self
                .take(1, at)
                .map_err(|_| self.err(at, "truncated: missing STOP"))?[0];
            match op {
                0x80 => {
                    let proto = self.u8(at)?;
                    if proto > 2 {
                        return Err(self.err(at, format!("protocol {proto} is not supported")));
                    }
                }
                b'c' => {
                    let module = self.line(at)?;
                    let name = self.line(at)?;
                    self.push(Slot::Global(module, name));
                }
                b'q' => {
                    let key = self.u8(at)? as u32;
                    self.memo_put(key, at)?;
                }
                b'r' => {
                    let key = self.u32(at)?;
                    self.memo_put(key, at)?;
                }
                b'h' => {
                    let key = self.u8(at)? as u32;
                    self.memo_get(key, at)?;
                }
                b'j' => {
                    let key = self.u32(at)?;
                    self.memo_get(key, at)?;
                }
                b')' => self.push(Slot::Tuple(Vec::new())),
                b'}' => self.push(Slot::Dict(Vec::new())),
                b']' => self.push(Slot::List(Vec::new())),
                b'(' => self.marks.push(self.stack.len()),
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push(Slot::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop(at)?);
                    }
                    items.reverse();
                    self.push(Slot::Tuple(items));
                }
                b'R' | 0x81 => {
                    let args = self.pop(at)?;
                    let class = self.pop(at)?;
                    if !matches!(self.arena[args], Slot::Tuple(_)) {
                        return Err(self.err(at, "REDUCE/NEWOBJ arguments are not a tuple"));
                    }
                    self.call(class, args, at)?;
                }
                b'b' => {
                    let state = self.pop(at)?;
                    let target = self.top(at)?;
                    match &mut self.arena[target] {
                        Slot::Object { state: s, .. } => *s = Some(state),
                        _ => return Err(self.err(at, "BUILD target is not an object")),
                    }
                }
                b'a' => {
                    let item = self.pop(at)?;
                    let target = self.top(at)?;
                    self.append(target, vec![item], at)?;
                }
                b'e' => {
                    let items = self.pop_mark(at)?;
                    let target = self.top(at)?;
                    self.append(target, items, at)?;
                }
                b's' => {
                    let value = self.pop(at)?;
                    let key = self.pop(at)?;
                    let target = self.top(at)?;
                    self.set_items(target, vec![key, value], at)?;
                }
                b'u' => {
                    let items = self.pop_mark(at)?;
                    let target = self.top(at)?;
                    self.set_items(target, items, at)?;
                }
                b'J' => {
                    let v = self.u32(at)? as i32;
                    self.push(Slot::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8(at)?;
                    self.push(Slot::Int(v as i64));
                }
                b'M' => {
                    let v = self.u16(at)?;
                    self.push(Slot::Int(v as i64));
                }
                b'N' => self.push(Slot::None),
                0x88 => self.push(Slot::Bool(true)),
                0x89 => self.push(Slot::Bool(false)),
                b'U' => {
                    let n = self.u8(at)? as usize;
                    let s = self.take(n, at)?.to_vec();
                    self.push(Slot::Bytes(s));
                }
                b'T' => {
                    let n = self.u32(at)? as usize;
                    let s = self.take(n, at)?.to_vec();
                    self.push(Slot::Bytes(s));
                }
                b'X' => {
                    let n = self.u32(at)? as usize;
                    let raw = self.take(n, at)?;
                    let s = std::str::from_utf8(raw)
                        .map_err(|_| self.err(at, "BINUNICODE is not UTF-8"))?
                        .to_string();
                    self.push(Slot::Str(s));
                }
                b'.' => {
                    let result = self.pop(at)?;
                    if !self.marks.is_empty() {
                        return Err(self.err(at, "STOP with an open MARK"));
                    }
                    return Ok(result);
                }
                other => {
                    return Err(self.err(at, format!("unsupported opcode 0x{other:02x}")));
                }
            }
        }
    }

    fn tree(&self, id: usize, depth: usize) -> Result<PickleValue> {
        if depth > MAX_DEPTH {
            return Err(self.err(self.pos, "objects nested too deeply (or a reference cycle)"));
        }
        let d = depth + 1;
        Ok(match &self.arena[id] {
            Slot::None => PickleValue::None,
            Slot::Bool(b) => PickleValue::Bool(*b),
            Slot::Int(v) => PickleValue::Int(*v),
            Slot::Bytes(b) => PickleValue::Bytes(b.clone()),
            Slot::Str(s) => PickleValue::Str(s.clone()),
            Slot::Tuple(items) => PickleValue::Tuple(
                items
                    .iter()
                    .map(|&i| self.tree(i, d))
                    .collect::<Result<_>>()?,
            ),
            Slot::List(items) => PickleValue::List(
                items
                    .iter()
                    .map(|&i| self.tree(i, d))
                    .collect::<Result<_>>()?,
            ),
            Slot::Dict(items) => PickleValue::Dict(
                items
                    .iter()
                    .map(|&(k, v)| Ok((self.tree(k, d)?, self.tree(v, d)?)))
                    .collect::<Result<_>>()?,
            ),
            Slot::Global(m, n) => PickleValue::Global {
                module: m.clone(),
                name: n.clone(),
            },
            Slot::Object { class, args, state } => PickleValue::Object {
                class: Box::new(self.tree(*class, d)?),
                args: Box::new(self.tree(*args, d)?),
                state: state.map(|s| self.tree(s, d)).transpose()?.map(Box::new),
            },
        })
    }
}

/// Decodes one pickle from `bytes`; `path` is only used in error messages, which give the byte
/// offset of the offending opcode.
///
/// ```
/// use gsl_data::loaders::pickle::{parse_pickle, PickleValue};
/// // pickle.dumps({1: [2, 3]}, protocol=2)
/// let bytes = b"\x80\x02}q\x00K\x01]q\x01(K\x02K\x03es.";
/// let v = parse_pickle(bytes, std::path::Path::new("example.pkl")).unwrap();
/// assert_eq!(
///     v,
///     PickleValue::Dict(vec![(
///         PickleValue::Int(1),
///         PickleValue::List(vec![PickleValue::Int(2), PickleValue::Int(3)])
///     )])
/// );
/// ```
pub fn parse_pickle(bytes: &[u8], path: &Path) -> Result<PickleValue> {
    let mut m = Machine {
        bytes,
        pos: 0,
        path,
        arena: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let root = m.run()?;
    m.tree(root, 0)
}

/// A numpy array decoded from its pickled form: shape, dtype code and raw little-endian data.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// The shape (C order).
    pub shape: Vec<usize>,
    /// The dtype code without byte order, e.g. `f4`, `i4`, `i8`, `f8`.
    pub dtype: String,
    /// The element data, converted to little-endian.
    pub data: Vec<u8>,
}

impl NdArray {
    fn width(&self) -> usize {
        self.dtype
            .get(1..)
            .and_then(|w| w.parse().ok())
            .unwrap_or(0)
    }

    /// The elements as `i64` (dtype `i1`/`i2`/`i4`/`i8`/`u1`/`u2`/`u4`).
    pub fn to_i64(&self) -> std::result::Result<Vec<i64>, String> {
        let w = self.width();
        let chunks = self.data.chunks_exact(w.max(1));
        Ok(match self.dtype.as_str() {
            "i1" => chunks.map(|c| c[0] as i8 as i64).collect(),
            "u1" | "b1" => chunks.map(|c| c[0] as i64).collect(),
            "i2" => chunks
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as i64)
                .collect(),
            "u2" => chunks
                .map(|c| u16::from_le_bytes([c[0], c[1]]) as i64)
                .collect(),
            "i4" => chunks
                .map(|c| i32::from_le_bytes(c.try_into().expect("width 4")) as i64)
                .collect(),
            "u4" => chunks
                .map(|c| u32::from_le_bytes(c.try_into().expect("width 4")) as i64)
                .collect(),
            "i8" => chunks
                .map(|c| i64::from_le_bytes(c.try_into().expect("width 8")))
                .collect(),
            other => return Err(format!("dtype `{other}` is not an integer type")),
        })
    }

    /// The elements as `f32` (dtype `f4`/`f8`, or any integer type).
    pub fn to_f32(&self) -> std::result::Result<Vec<f32>, String> {
        let chunks = self.data.chunks_exact(self.width().max(1));
        match self.dtype.as_str() {
            "f4" => Ok(chunks
                .map(|c| f32::from_le_bytes(c.try_into().expect("width 4")))
                .collect()),
            "f8" => Ok(chunks
                .map(|c| f64::from_le_bytes(c.try_into().expect("width 8")) as f32)
                .collect()),
            _ => Ok(self.to_i64()?.into_iter().map(|v| v as f32).collect()),
        }
    }
}

impl PickleValue {
    /// The value under `key` (a Python 2 `str` or unicode key) of a dict.
    pub fn get(&self, key: &str) -> Option<&PickleValue> {
        let PickleValue::Dict(items) = self else {
            return None;
        };
        items.iter().find_map(|(k, v)| match k {
            PickleValue::Bytes(b) if b == key.as_bytes() => Some(v),
            PickleValue::Str(s) if s == key => Some(v),
            _ => None,
        })
    }

    /// The integer, if this is one (booleans count as 0/1, as in Python).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            PickleValue::Int(v) => Some(*v),
            PickleValue::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    fn is_global(&self, module_suffix: &str, name: &str) -> bool {
        matches!(self, PickleValue::Global { module, name: n }
            if n == name && (module == module_suffix || module.ends_with(&format!(".{module_suffix}"))))
    }

    /// Interprets a pickled numpy array (`numpy.core.multiarray._reconstruct` + `BUILD` with
    /// `(version, shape, dtype, fortran, raw_bytes)`), converting big-endian data to
    /// little-endian. The error says which part does not match.
    pub fn as_ndarray(&self) -> std::result::Result<NdArray, String> {
        let PickleValue::Object { class, state, .. } = self else {
            return Err("expected a numpy array object".into());
        };
        if !class.is_global("multiarray", "_reconstruct") {
            return Err(format!("expected numpy _reconstruct, found {class:?}"));
        }
        let Some(PickleValue::Tuple(parts)) = state.as_deref() else {
            return Err("numpy array without a state tuple".into());
        };
        let [_, shape, dtype, fortran, raw] = parts.as_slice() else {
            return Err(format!(
                "numpy array state has {} fields, expected 5",
                parts.len()
            ));
        };
        let PickleValue::Tuple(dims) = shape else {
            return Err("numpy array shape is not a tuple".into());
        };
        let shape = dims
            .iter()
            .map(|d| d.as_int().and_then(|v| usize::try_from(v).ok()))
            .collect::<Option<Vec<usize>>>()
            .ok_or("numpy array shape holds a non-integer or negative size")?;
        if fortran.as_int() != Some(0) {
            return Err("Fortran-ordered numpy arrays are not supported".into());
        }
        let PickleValue::Object {
            class: dclass,
            args: dargs,
            state: dstate,
        } = dtype
        else {
            return Err("numpy dtype is not an object".into());
        };
        if !dclass.is_global("numpy", "dtype") {
            return Err(format!("expected numpy.dtype, found {dclass:?}"));
        }
        let code = match dargs.as_ref() {
            PickleValue::Tuple(a) => match a.first() {
                Some(PickleValue::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
                Some(PickleValue::Str(s)) => s.clone(),
                _ => return Err("numpy dtype without a type code".into()),
            },
            _ => return Err("numpy dtype arguments are not a tuple".into()),
        };
        let big_endian = match dstate.as_deref() {
            Some(PickleValue::Tuple(s)) => {
                matches!(s.get(1), Some(PickleValue::Bytes(b)) if b == b">")
                    || matches!(s.get(1), Some(PickleValue::Str(b)) if b == ">")
            }
            _ => false,
        };
        let supported = ["i1", "u1", "b1", "i2", "u2", "i4", "u4", "i8", "f4", "f8"];
        if !supported.contains(&code.as_str()) {
            return Err(format!("numpy dtype `{code}` is not supported"));
        }
        let width: usize = code[1..].parse().expect("supported codes end in a width");
        let mut data = match raw {
            PickleValue::Bytes(b) => b.clone(),
            _ => return Err("numpy array data is not a byte string".into()),
        };
        let count: usize = shape.iter().product();
        if data.len() != count * width {
            return Err(format!(
                "numpy array of shape {shape:?} and dtype {code} needs {} bytes, found {}",
                count * width,
                data.len()
            ));
        }
        if big_endian && width > 1 {
            data.chunks_exact_mut(width).for_each(<[u8]>::reverse);
        }
        Ok(NdArray {
            shape,
            dtype: code,
            data,
        })
    }

    /// Interprets a pickled `scipy.sparse.csr_matrix` (state dict with `_shape`, `indptr`,
    /// `indices`, `data`). The result is not yet validated: call [`CsrMatrix::validate`].
    pub fn as_csr(&self) -> std::result::Result<CsrMatrix, String> {
        let PickleValue::Object { class, state, .. } = self else {
            return Err("expected a scipy sparse matrix object".into());
        };
        if !class.is_global("csr", "csr_matrix") && !class.is_global("_csr", "csr_matrix") {
            return Err(format!("expected scipy csr_matrix, found {class:?}"));
        }
        let state = state.as_deref().ok_or("csr_matrix without state")?;
        let field = |k: &str| state.get(k).ok_or(format!("csr_matrix state lacks `{k}`"));
        let shape = match field("_shape")? {
            PickleValue::Tuple(t) if t.len() == 2 => t
                .iter()
                .map(|d| d.as_int().and_then(|v| usize::try_from(v).ok()))
                .collect::<Option<Vec<usize>>>()
                .ok_or("csr_matrix `_shape` holds a non-integer")?,
            _ => return Err("csr_matrix `_shape` is not a 2-tuple".into()),
        };
        let index = |k: &str| -> std::result::Result<Vec<usize>, String> {
            field(k)?
                .as_ndarray()
                .and_then(|a| a.to_i64())
                .map_err(|e| format!("csr_matrix `{k}`: {e}"))?
                .into_iter()
                .map(|v| usize::try_from(v).map_err(|_| format!("csr_matrix `{k}`: negative {v}")))
                .collect()
        };
        let indptr = index("indptr")?;
        let indices = index("indices")?;
        let data = field("data")?
            .as_ndarray()
            .and_then(|a| a.to_f32())
            .map_err(|e| format!("csr_matrix `data`: {e}"))?;
        Ok(CsrMatrix {
            rows: shape[0],
            cols: shape[1],
            indptr,
            indices,
            data,
        })
    }
}
