// Python bindings of the structured activations (softmax, log_softmax, softmin, glu, maxout,
// prelu): argument checks with the same rules and helpers as the elementwise functions
// (bindings/arrays.hpp), the cut of each array into pieces of work, and the OpenMP driver
// that runs the active ISA's kernels (common/structured_table.hpp) over them.
//
// Determinism: the pieces are a function of the array's shape only (never of the thread
// count), each piece is computed by one thread in a fixed order, and the only cross-piece
// reduction (prelu's grad_weight) adds the pieces' partial sums in a fixed order. So every
// result is bitwise the same for any number of threads.
//
// The public API with its documentation is python/fastact/_structured.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bindings/arrays.hpp"
#include "common/dispatch.hpp"
#include "common/kernel_table.hpp"

namespace fastact {
namespace {

constexpr const char* kSoftmaxNames[kNumSoftmaxKinds] = {"softmax", "log_softmax", "softmin"};

std::string softmax_name(int kind) {
  if (kind < 0 || kind >= kNumSoftmaxKinds) value_error("fastact: unknown softmax kind");
  return kSoftmaxNames[kind];
}

// Target elements per piece of work: the driver's chunk (dispatch.cpp). Column blocks are a
// multiple of 64 elements (a multiple of every vector width and of a cache line).
constexpr std::size_t kColumnQuantum = 64;

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }
std::size_t round_down(std::size_t a, std::size_t q) { return std::max(q, a / q * q); }

// Runs f(i) for every piece i < items, statically split across threads; one thread for
// arrays below the driver's cut-off (the per-piece results do not depend on it).
template <class F>
void run_pieces(std::size_t items, std::size_t elements, int threads, const F& f) {
  int t = 1;
  if (threads > 1 && items > 1 && elements >= kParallelMinElements)
    t = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), items));
  if (t == 1) {
    for (std::size_t i = 0; i < items; ++i) f(i);
    return;
  }
  const auto n = static_cast<std::ptrdiff_t>(items);
#pragma omp parallel for schedule(static) num_threads(t)
  for (std::ptrdiff_t i = 0; i < n; ++i) f(static_cast<std::size_t>(i));
}

template <class T>
const StructuredSet<T>& kernels_for(const KernelTable* table) {
  if constexpr (sizeof(T) == sizeof(float)) {
    return table->structured.f32;
  } else {
    return table->structured.f64;
  }
}

// Calls f(T{}) with T the compute type.
template <class F>
void with_type(Compute c, const F& f) {
  if (c == Compute::f32) {
    f(float{});
  } else {
    f(double{});
  }
}

std::string type_name(py::handle h) { return Py_TYPE(h.ptr())->tp_name; }

// An integer argument (int or anything with __index__, not bool).
py::ssize_t int_arg(py::handle h, const std::string& fn, const char* name) {
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    type_error(fn + ": " + name + " must be an int, got " + type_name(h));
  const py::ssize_t v = PyNumber_AsSsize_t(h.ptr(), PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    value_error(fn + ": " + name + " is out of range");
  }
  return v;
}

std::size_t normalize_axis(py::handle axis, py::ssize_t ndim, const std::string& fn) {
  const py::ssize_t a = int_arg(axis, fn, "axis");
  if (a < -ndim || a >= ndim)
    value_error(fn + ": axis " + std::to_string(a) + " is out of range for an array of " +
                std::to_string(ndim) + " dimension" + (ndim == 1 ? "" : "s"));
  return static_cast<std::size_t>(a < 0 ? a + ndim : a);
}

std::vector<py::ssize_t> shape_of(const py::array& a) {
  return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

// (outer, len, inner) around `axis`; a 0-d array is one row of length 1.
AxisLayout split_at(const std::vector<py::ssize_t>& shape, std::size_t axis) {
  AxisLayout l{1, 1, 1, 1};
  if (shape.empty()) return l;
  for (std::size_t i = 0; i < axis; ++i) l.outer *= static_cast<std::size_t>(shape[i]);
  l.len = static_cast<std::size_t>(shape[axis]);
  for (std::size_t i = axis + 1; i < shape.size(); ++i) l.inner *= static_cast<std::size_t>(shape[i]);
  l.cols = l.inner == 1 ? 1 : l.inner;
  return l;
}

// An array with the given shape and dtype and no storage of its own (zero strides over one
// element): what make_destination needs to check `out` against a shape other than an
// input's.
py::array shape_only(const py::dtype& dt, const std::vector<py::ssize_t>& shape) {
  py::array one(dt, std::vector<py::ssize_t>{1});
  return py::array(dt, shape, std::vector<py::ssize_t>(shape.size(), 0), one.data(), one);
}

// make_destination lets the kernel write into `out` when it is the very memory of an input
// (element i read before written). Kernels that read an input after writing elsewhere, or
// whose output is laid out differently from that input, need a separate buffer whenever the
// output touches it at all.
void separate_from(Destination& dst, const std::vector<py::ssize_t>& shape, Compute c,
                   std::initializer_list<const py::array*> inputs) {
  if (dst.copy_back) return;  // already a fresh buffer
  for (const py::array* in : inputs) {
    if (overlaps(*in, dst.target)) {
      dst.target = py::array(compute_dtype(c), shape);
      dst.copy_back = true;
      return;
    }
  }
}

// Exactly one of x and y; returns whether y was given.
bool pick_x_or_y(py::handle x, py::handle y, const std::string& fn) {
  const bool from_y = !y.is_none();
  if (from_y == !x.is_none())
    type_error(fn + ": pass exactly one of x (the forward input) and y (the forward output)");
  return from_y;
}

void x_only(py::handle x, py::handle y, const std::string& fn, const char* op) {
  if (!y.is_none())
    type_error(fn + ": the derivative of " + op +
               " is not a function of its output; pass the forward input x instead of y");
  if (x.is_none()) type_error(fn + ": missing the forward input x");
}

void check_grad_shape(const py::array& g, const std::vector<py::ssize_t>& expected,
                      const std::string& fn, const char* what) {
  bool same = static_cast<std::size_t>(g.ndim()) == expected.size();
  for (std::size_t i = 0; same && i < expected.size(); ++i) same = g.shape(static_cast<py::ssize_t>(i)) == expected[i];
  if (!same) {
    const py::array like = shape_only(py::dtype::of<double>(), expected);
    value_error(fn + ": grad_output has shape " + shape_str(g) + " but " + what + " has shape " +
                shape_str(like) + " (no broadcasting)");
  }
}

template <class T>
const T* cptr(const py::array& a) {
  return static_cast<const T*>(a.data());
}
template <class T>
T* mptr(py::array& a) {
  return static_cast<T*>(a.mutable_data());
}

// An array argument other than the one that sets the compute type (grad_output, weight): its
// dtype is checked by the same rules, and it is then cast to the compute type.
py::array checked_array(py::handle h, const std::string& fn, const char* name) {
  py::array a = to_array(h, fn, name);
  plan_dtype(a, fn, name);
  return a;
}

// With T the compute type: the kernel f = pick(the active ISA's kernels for T) and typed
// pointers to `dest` and to the inputs (contiguous, of the compute type), taken with the GIL
// held; then run(f, dest, inputs...) with the GIL released.
template <class Pick, class Run, class... In>
void with_kernel(Compute c, const Pick& pick, const Run& run, py::array& dest, const In&... in) {
  const KernelTable* table = active_table();
  with_type(c, [&](auto tag) {
    using T = decltype(tag);
    const auto f = pick(kernels_for<T>(table));
    T* d = mptr<T>(dest);
    const std::array<const T*, sizeof...(In)> src{cptr<T>(in)...};
    py::gil_scoped_release nogil;
    std::apply([&](auto... s) { run(f, d, s...); }, src);
  });
}

// ---- softmax, log_softmax, softmin -----------------------------------------------------

// The pieces of an (outer, len, inner) array: groups of whole rows when the axis is last;
// otherwise blocks of columns, and groups of slices when a slice has a single block.
struct AxisPieces {
  AxisLayout full;
  std::size_t slices_per_piece, col_block, col_blocks, count;
  AxisPieces(const AxisLayout& f) : full(f) {
    const std::size_t len = std::max<std::size_t>(f.len, 1);
    if (f.inner == 1) {
      col_block = col_blocks = 1;
      slices_per_piece = std::max<std::size_t>(1, kChunkElements / len);
    } else {
      col_block = std::min(f.inner, round_down(kChunkElements / len, kColumnQuantum));
      col_blocks = ceil_div(f.inner, col_block);
      slices_per_piece = col_blocks == 1 ? std::max<std::size_t>(1, kChunkElements / (len * f.inner)) : 1;
    }
    count = ceil_div(f.outer, slices_per_piece) * col_blocks;
  }
  // The piece's layout and its element offset.
  AxisLayout piece(std::size_t i, std::size_t* offset) const {
    const std::size_t o0 = (i / col_blocks) * slices_per_piece;
    const std::size_t c0 = (i % col_blocks) * col_block;
    *offset = o0 * full.len * full.inner + c0;
    return {std::min(slices_per_piece, full.outer - o0), full.len, full.inner,
            full.inner == 1 ? 1 : std::min(col_block, full.inner - c0)};
  }
};

// Below this inner extent the column kernels would leave most vector lanes idle (2 of 16 for
// inner == 2): the array is transposed to rows, run through the row kernels and transposed
// back. Which path runs depends on the shape only, so results stay thread-independent.
constexpr std::size_t kRowsBelowInner = 8;

bool via_rows(const AxisLayout& f) { return f.inner > 1 && f.inner < kRowsBelowInner; }

// (outer, len, inner) <-> (outer, inner, len), slice by slice across threads.
template <class T>
void transpose_slices(const T* src, T* dst, const AxisLayout& f, bool to_rows, int threads) {
  const std::size_t slice = f.len * f.inner;
  const std::size_t per = std::max<std::size_t>(1, kChunkElements / slice);
  run_pieces(ceil_div(f.outer, per), f.outer * slice, threads, [&](std::size_t p) {
    const std::size_t o1 = std::min(f.outer, (p + 1) * per);
    for (std::size_t o = p * per; o < o1; ++o) {
      const T* s = src + o * slice;
      T* d = dst + o * slice;
      for (std::size_t k = 0; k < f.len; ++k)
        for (std::size_t i = 0; i < f.inner; ++i) {
          if (to_rows) {
            d[i * f.len + k] = s[k * f.inner + i];
          } else {
            d[k * f.inner + i] = s[i * f.len + k];
          }
        }
    }
  });
}

// Runs a softmax-family kernel f(inputs..., dest, layout) over the pieces of `full`. In row
// form (via_rows) the inputs are first transposed to rows in a buffer, the kernel writes over
// the last of them, and that is transposed back into dest.
template <class T, class F, class... In>
void along_axis(const AxisLayout& full, std::size_t n, int t, const F& f, T* dest,
                const In*... in) {
  const bool rows = via_rows(full);
  const AxisPieces pieces(rows ? AxisLayout{full.outer * full.inner, full.len, 1, 1} : full);
  std::array<const T*, sizeof...(In)> src{in...};
  std::vector<T> buf(rows ? src.size() * n : 0);
  T* out = dest;
  if (rows) {
    for (std::size_t j = 0; j < src.size(); ++j) {
      transpose_slices(src[j], buf.data() + j * n, full, true, t);
      src[j] = buf.data() + j * n;
    }
    out = buf.data() + (src.size() - 1) * n;
  }
  run_pieces(pieces.count, n, t, [&](std::size_t i) {
    std::size_t off;
    const AxisLayout l = pieces.piece(i, &off);
    std::apply([&](auto... s) { f((s + off)..., out + off, l); }, src);
  });
  if (rows) transpose_slices(out, dest, full, false, t);
}

py::array softmax_forward(int kind, py::handle x_in, py::handle axis, py::handle out,
                          py::handle threads) {
  const std::string fn = softmax_name(kind);
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const std::size_t ax = normalize_axis(axis, std::max<py::ssize_t>(x.ndim(), 1), fn);
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  Destination dst = make_destination(out, x, plan, {&xc}, fn);
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const AxisLayout full = split_at(shape_of(x), ax);
    with_kernel(
        plan.compute, [&](const auto& k) { return k.softmax[kind]; },
        [&](auto f, auto* dest, const auto* src) { along_axis(full, n, t, f, dest, src); },
        dst.target, xc);
  }
  dst.finish();
  return dst.result;
}

py::array softmax_backward(int kind, py::handle grad_in, py::handle x_in, py::handle y_in,
                           py::handle axis, py::handle out, py::handle threads) {
  const std::string fn = softmax_name(kind) + "_backward";
  const bool from_y = pick_x_or_y(x_in, y_in, fn);
  const char* arg = from_y ? "y" : "x";
  const py::array xy = to_array(from_y ? y_in : x_in, fn, arg);
  const DtypePlan plan = plan_dtype(xy, fn, arg);
  const py::array g = checked_array(grad_in, fn, "grad_output");
  check_grad_shape(g, shape_of(xy), fn, arg);
  const std::size_t ax = normalize_axis(axis, std::max<py::ssize_t>(xy.ndim(), 1), fn);
  const int t = resolve_threads(threads, fn);
  const py::array xyc = contiguous_as(xy, plan.compute);
  const py::array gc = contiguous_as(g, plan.compute);
  Destination dst = make_destination(out, xy, plan, {&xyc, &gc}, fn);
  // From x the kernel parks exp(x - m) in dx before its last read of g.
  if (!from_y) separate_from(dst, shape_of(xy), plan.compute, {&gc});
  const auto n = static_cast<std::size_t>(xy.size());
  if (n) {
    const AxisLayout full = split_at(shape_of(xy), ax);
    with_kernel(
        plan.compute,
        [&](const auto& k) {
          return from_y ? k.softmax_backward_from_y[kind] : k.softmax_backward_from_x[kind];
        },
        [&](auto f, auto* dest, const auto* gs, const auto* vs) {
          along_axis(full, n, t, f, dest, gs, vs);  // in row form dx over the transposed x or y
        },
        dst.target, gc, xyc);
  }
  dst.finish();
  return dst.result;
}

// ---- glu ---------------------------------------------------------------------------------

// Pieces of `outer` slices of two halves of `half` elements: runs of kChunkElements inside
// a slice when halves are large, else groups of whole slices.
struct GluPieces {
  std::size_t outer, half, per_slice, slices_per_piece, count;
  GluPieces(std::size_t outer_, std::size_t half_) : outer(outer_), half(half_) {
    if (half >= kChunkElements) {
      per_slice = ceil_div(half, kChunkElements);
      slices_per_piece = 1;
    } else {
      per_slice = 1;
      slices_per_piece = std::max<std::size_t>(1, kChunkElements / std::max<std::size_t>(half, 1));
    }
    count = ceil_div(outer, slices_per_piece) * per_slice;
  }
  // Layout of piece i and the index of its first slice.
  GluLayout piece(std::size_t i, std::size_t* slice) const {
    const std::size_t o0 = (i / per_slice) * slices_per_piece;
    *slice = o0;
    if (per_slice == 1) return {std::min(slices_per_piece, outer - o0), half, 0, half};
    const std::size_t begin = (i % per_slice) * kChunkElements;
    return {1, half, begin, std::min(kChunkElements, half - begin)};
  }
};

struct GluShape {
  std::size_t axis, outer, half;
  std::vector<py::ssize_t> out_shape;
};

GluShape glu_shape(const py::array& x, py::handle axis, const std::string& fn) {
  if (x.ndim() == 0) value_error(fn + ": x must have at least one dimension (got a 0-d array)");
  GluShape s;
  s.axis = normalize_axis(axis, x.ndim(), fn);
  s.out_shape = shape_of(x);
  const py::ssize_t n = s.out_shape[s.axis];
  if (n % 2)
    value_error(fn + ": x has odd length " + std::to_string(n) + " along axis " +
                std::to_string(s.axis) + "; glu splits it in two halves");
  s.out_shape[s.axis] = n / 2;
  const AxisLayout l = split_at(shape_of(x), s.axis);
  s.outer = l.outer;
  s.half = (l.len / 2) * l.inner;
  return s;
}

py::array glu_forward(py::handle x_in, py::handle axis, py::handle out, py::handle threads) {
  const std::string fn = "glu";
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const GluShape s = glu_shape(x, axis, fn);
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  Destination dst =
      make_destination(out, shape_only(plan.result, s.out_shape), plan, {&xc}, fn);
  separate_from(dst, s.out_shape, plan.compute, {&xc});
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const GluPieces pieces(s.outer, s.half);
    with_kernel(
        plan.compute, [](const auto& k) { return k.glu; },
        [&](auto f, auto* dest, const auto* src) {
          run_pieces(pieces.count, n, t, [&](std::size_t i) {
            std::size_t o;
            const GluLayout l = pieces.piece(i, &o);
            f(src + o * 2 * s.half, dest + o * s.half, l);
          });
        },
        dst.target, xc);
  }
  dst.finish();
  return dst.result;
}

py::array glu_backward(py::handle grad_in, py::handle x_in, py::handle y_in, py::handle axis,
                       py::handle out, py::handle threads) {
  const std::string fn = "glu_backward";
  x_only(x_in, y_in, fn, "glu");
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const py::array g = checked_array(grad_in, fn, "grad_output");
  const GluShape s = glu_shape(x, axis, fn);
  check_grad_shape(g, s.out_shape, fn, "glu's output");
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  const py::array gc = contiguous_as(g, plan.compute);
  Destination dst = make_destination(out, x, plan, {&xc, &gc}, fn);
  separate_from(dst, shape_of(x), plan.compute, {&gc});
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const GluPieces pieces(s.outer, s.half);
    with_kernel(
        plan.compute, [](const auto& k) { return k.glu_backward; },
        [&](auto f, auto* dest, const auto* gs, const auto* xs) {
          run_pieces(pieces.count, n, t, [&](std::size_t i) {
            std::size_t o;
            const GluLayout l = pieces.piece(i, &o);
            f(gs + o * s.half, xs + o * 2 * s.half, dest + o * 2 * s.half, l);
          });
        },
        dst.target, gc, xc);
  }
  dst.finish();
  return dst.result;
}

// ---- maxout --------------------------------------------------------------------------------

struct MaxoutShape {
  MaxoutLayout full;  // the whole array as rows x n outputs
  std::vector<py::ssize_t> out_shape;
};

MaxoutShape maxout_shape(const py::array& x, py::handle pieces_in, py::handle axis,
                         const std::string& fn) {
  const py::ssize_t pieces = int_arg(pieces_in, fn, "pieces");
  if (pieces < 1) value_error(fn + ": pieces must be a positive int, got " + std::to_string(pieces));
  if (x.ndim() == 0) value_error(fn + ": x must have at least one dimension (got a 0-d array)");
  MaxoutShape s;
  const std::size_t ax = normalize_axis(axis, x.ndim(), fn);
  s.out_shape = shape_of(x);
  const py::ssize_t n = s.out_shape[ax];
  if (n % pieces)
    value_error(fn + ": x has length " + std::to_string(n) + " along axis " + std::to_string(ax) +
                ", which pieces=" + std::to_string(pieces) + " does not divide");
  s.out_shape[ax] = n / pieces;
  const AxisLayout l = split_at(shape_of(x), ax);
  const auto p = static_cast<std::size_t>(pieces);
  const std::size_t groups = l.len / p;
  if (l.inner == 1)  // the axis is last: one row of outer*groups outputs, gathered with stride p
    s.full = {1, l.outer * groups, p, 0, p, 1, 0};
  else  // a row per (slice, group): `inner` contiguous outputs, pieces `inner` apart
    s.full = {l.outer * groups, l.inner, p, p * l.inner, 1, l.inner, l.inner};
  return s;
}

// Pieces: blocks of outputs inside a row when rows are large, else groups of whole rows.
struct MaxoutPieces {
  MaxoutLayout full;
  std::size_t block, per_row, rows_per_piece, count;
  explicit MaxoutPieces(const MaxoutLayout& f) : full(f) {
    block = round_down(kChunkElements / f.pieces, kColumnQuantum);
    if (f.n > block) {
      per_row = ceil_div(f.n, block);
      rows_per_piece = 1;
    } else {
      block = std::max<std::size_t>(f.n, 1);
      per_row = 1;
      rows_per_piece = std::max<std::size_t>(1, kChunkElements / (block * f.pieces));
    }
    count = ceil_div(f.rows, rows_per_piece) * per_row;
  }
  // Layout of piece i and the offsets of its first input and output elements.
  MaxoutLayout piece(std::size_t i, std::size_t* x_off, std::size_t* y_off) const {
    const std::size_t r0 = (i / per_row) * rows_per_piece;
    const std::size_t j0 = (i % per_row) * block;
    MaxoutLayout l = full;
    l.rows = std::min(rows_per_piece, full.rows - r0);
    l.n = std::min(block, full.n - j0);
    *x_off = r0 * full.x_row + j0 * full.x_col;
    *y_off = r0 * full.y_row + j0;
    return l;
  }
};

py::array maxout_forward(py::handle x_in, py::handle pieces_in, py::handle axis, py::handle out,
                         py::handle threads) {
  const std::string fn = "maxout";
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const MaxoutShape s = maxout_shape(x, pieces_in, axis, fn);
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  Destination dst =
      make_destination(out, shape_only(plan.result, s.out_shape), plan, {&xc}, fn);
  separate_from(dst, s.out_shape, plan.compute, {&xc});
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const MaxoutPieces pieces(s.full);
    with_kernel(
        plan.compute, [](const auto& k) { return k.maxout; },
        [&](auto f, auto* dest, const auto* src) {
          run_pieces(pieces.count, n, t, [&](std::size_t i) {
            std::size_t xo, yo;
            const MaxoutLayout l = pieces.piece(i, &xo, &yo);
            f(src + xo, dest + yo, l);
          });
        },
        dst.target, xc);
  }
  dst.finish();
  return dst.result;
}

py::array maxout_backward(py::handle grad_in, py::handle x_in, py::handle y_in,
                          py::handle pieces_in, py::handle axis, py::handle out,
                          py::handle threads) {
  const std::string fn = "maxout_backward";
  x_only(x_in, y_in, fn, "maxout");
  if (pieces_in.is_none()) type_error(fn + ": missing the argument pieces");
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const py::array g = checked_array(grad_in, fn, "grad_output");
  const MaxoutShape s = maxout_shape(x, pieces_in, axis, fn);
  check_grad_shape(g, s.out_shape, fn, "maxout's output");
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  const py::array gc = contiguous_as(g, plan.compute);
  Destination dst = make_destination(out, x, plan, {&xc, &gc}, fn);
  separate_from(dst, shape_of(x), plan.compute, {&gc});
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const MaxoutPieces pieces(s.full);
    with_kernel(
        plan.compute, [](const auto& k) { return k.maxout_backward; },
        [&](auto f, auto* dest, const auto* gs, const auto* xs) {
          run_pieces(pieces.count, n, t, [&](std::size_t i) {
            std::size_t xo, yo;
            const MaxoutLayout l = pieces.piece(i, &xo, &yo);
            f(gs + yo, xs + xo, dest + xo, l);
          });
        },
        dst.target, gc, xc);
  }
  dst.finish();
  return dst.result;
}

// ---- prelu ---------------------------------------------------------------------------------

// x seen as (outer, channels, inner) with one slope per channel (channels == 1 for a single
// slope, which then covers the whole array as one segment).
struct PreluShape {
  std::size_t outer, channels, inner;
};

PreluShape prelu_shape(const py::array& x, const py::array& w, py::handle axis,
                       const std::string& fn) {
  if (w.ndim() > 1)
    value_error(fn + ": weight must be 0-d or 1-d, got shape " + shape_str(w));
  const auto wsize = static_cast<std::size_t>(w.size());
  const auto size = static_cast<std::size_t>(x.size());
  if (x.ndim() < 2) {
    int_arg(axis, fn, "axis");  // no channel axis: a single slope
    if (wsize != 1)
      value_error(fn + ": a " + std::to_string(x.ndim()) +
                  "-d input takes a single slope, but weight has " + std::to_string(wsize));
    return {1, 1, size};
  }
  const std::size_t ax = normalize_axis(axis, x.ndim(), fn);
  const AxisLayout l = split_at(shape_of(x), ax);
  if (wsize == 1) return {1, 1, size};
  if (wsize != l.len)
    value_error(fn + ": weight has " + std::to_string(wsize) + " slopes but x has " +
                std::to_string(l.len) + " channels along axis " + std::to_string(ax) +
                " (or pass a single slope)");
  return {l.outer, l.len, l.inner};
}

// The pieces of a prelu array, a function of the shape only: ranges of slices x ranges of
// channels x ranges of the inner extent, each about `target` elements (at least `min_piece`,
// and at most ~256 pieces, which bounds grad_weight's partial sums to ~256 per channel).
// grad_weight partial sums live at [slice range][inner range][hi, lo][channel].
// Both directions ask for pieces of kPreluPiece elements: a piece of the kernels' expanded
// form (short inner extents) starts (forward: the slopes expanded into a row) or finishes
// (backward: its per-position sums) with work proportional to one slice, which pieces of a
// few slices would repeat too often ((64, 64, 16) float32, Zen 4: backward 1.4 Gelem/s with
// 4-slice pieces, 3.2 with 32; Zen 3: forward 3.6 with 4, 5.3 with 32).
const std::size_t kPreluPiece = 8 * kChunkElements;

struct PreluPieces {
  PreluShape s;
  std::size_t o_per, c_per, i_per, n_o, n_c, n_i, count;
  PreluPieces(const PreluShape& s_, std::size_t min_piece) : s(s_) {
    const std::size_t total = s.outer * s.channels * s.inner;
    const std::size_t target = std::max(min_piece, ceil_div(total, 256));
    const std::size_t slice = s.channels * s.inner;
    if (slice <= target) {
      o_per = target / slice;
      c_per = s.channels;
      i_per = s.inner;
    } else if (s.inner == 1) {  // row form with more channels than a piece holds
      o_per = 1;
      c_per = round_down(target, kColumnQuantum);
      i_per = 1;
    } else if (s.inner <= target) {
      o_per = 1;
      c_per = target / s.inner;
      i_per = s.inner;
    } else {
      o_per = 1;
      c_per = 1;
      i_per = round_down(target, kColumnQuantum);
    }
    n_o = ceil_div(s.outer, o_per);
    n_c = ceil_div(s.channels, c_per);
    n_i = ceil_div(s.inner, i_per);
    count = n_o * n_c * n_i;
  }
  struct Piece {
    PreluLayout layout;
    std::size_t offset, c0, partial;  // first element, first channel, its partial sums
  };
  Piece piece(std::size_t i) const {
    const std::size_t io = i / (n_c * n_i);
    const std::size_t ic = (i / n_i) % n_c;
    const std::size_t ii = i % n_i;
    const std::size_t o0 = io * o_per, c0 = ic * c_per, i0 = ii * i_per;
    Piece p;
    p.layout = {std::min(o_per, s.outer - o0), std::min(c_per, s.channels - c0),
                std::min(i_per, s.inner - i0), s.inner, s.channels * s.inner};
    p.offset = o0 * s.channels * s.inner + c0 * s.inner + i0;
    p.c0 = c0;
    p.partial = (io * n_i + ii) * 2 * s.channels + c0;
    return p;
  }
};

py::array prelu_forward(py::handle x_in, py::handle w_in, py::handle axis, py::handle out,
                        py::handle threads) {
  const std::string fn = "prelu";
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const py::array w = checked_array(w_in, fn, "weight");
  const PreluShape s = prelu_shape(x, w, axis, fn);
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  const py::array wc = contiguous_as(w, plan.compute);
  Destination dst = make_destination(out, x, plan, {&xc}, fn);
  separate_from(dst, shape_of(x), plan.compute, {&wc});
  const auto n = static_cast<std::size_t>(x.size());
  if (n) {
    const PreluPieces pieces(s, kPreluPiece);
    with_kernel(
        plan.compute, [](const auto& k) { return k.prelu; },
        [&](auto f, auto* dest, const auto* xs, const auto* ws) {
          run_pieces(pieces.count, n, t, [&](std::size_t i) {
            const PreluPieces::Piece p = pieces.piece(i);
            f(xs + p.offset, ws + p.c0, dest + p.offset, p.layout);
          });
        },
        dst.target, xc, wc);
  }
  dst.finish();
  return dst.result;
}

py::tuple prelu_backward(py::handle grad_in, py::handle x_in, py::handle w_in, py::handle axis,
                         py::handle out, py::handle threads) {
  const std::string fn = "prelu_backward";
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const py::array g = checked_array(grad_in, fn, "grad_output");
  check_grad_shape(g, shape_of(x), fn, "x");
  const py::array w = checked_array(w_in, fn, "weight");
  const PreluShape s = prelu_shape(x, w, axis, fn);
  const int t = resolve_threads(threads, fn);
  // out: None, or a pair (grad_x out or None, grad_weight out or None).
  py::object out_x = py::none(), out_w = py::none();
  if (!out.is_none()) {
    if (!py::isinstance<py::tuple>(out) && !py::isinstance<py::list>(out))
      type_error(fn + ": out must be None or a pair (out_x, out_weight), got " + type_name(out));
    const py::sequence pair = py::reinterpret_borrow<py::sequence>(out);
    if (pair.size() != 2)
      value_error(fn + ": out must be a pair (out_x, out_weight), got " +
                  std::to_string(pair.size()) + " items");
    out_x = pair[0];
    out_w = pair[1];
  }
  const py::array xc = contiguous_as(x, plan.compute);
  const py::array gc = contiguous_as(g, plan.compute);
  const py::array wc = contiguous_as(w, plan.compute);
  Destination dx = make_destination(out_x, x, plan, {&xc, &gc}, fn);
  separate_from(dx, shape_of(x), plan.compute, {&wc});
  Destination dw = make_destination(out_w, w, plan, {}, fn);
  if (!out_x.is_none() && !out_w.is_none() &&
      overlaps(py::reinterpret_borrow<py::array>(out_x), py::reinterpret_borrow<py::array>(out_w)))
    value_error(fn + ": the two out arrays overlap");
  // grad_weight is written last, after every read of x, g and weight.
  const auto n = static_cast<std::size_t>(x.size());
  with_type(plan.compute, [&](auto tag) {
    using T = decltype(tag);
    T* gw = mptr<T>(dw.target);
    if (!n) {
      for (std::size_t c = 0; c < s.channels; ++c) gw[c] = T(0);
      return;
    }
    const PreluPieces pieces(s, kPreluPiece);
    const PreluBackwardFn<T> f = kernels_for<T>(active_table()).prelu_backward;
    std::vector<T> partial(pieces.n_o * pieces.n_i * 2 * s.channels);
    const T* gs = cptr<T>(gc);
    const T* xs = cptr<T>(xc);
    const T* ws = cptr<T>(wc);
    T* dest = mptr<T>(dx.target);
    T* part = partial.data();
    py::gil_scoped_release nogil;
    run_pieces(pieces.count, n, t, [&](std::size_t i) {
      const PreluPieces::Piece p = pieces.piece(i);
      f(gs + p.offset, xs + p.offset, ws + p.c0, dest + p.offset, part + p.partial,
        part + p.partial + s.channels, p.layout);
    });
    // The partial sums of each channel, added in double in one fixed order. A NaN low part
    // comes from an infinite high part, which decides the sum alone.
    const std::size_t slots = pieces.n_o * pieces.n_i;
    for (std::size_t c = 0; c < s.channels; ++c) {
      double acc = 0.0;
      for (std::size_t k = 0; k < slots; ++k) {
        const T* slot = part + k * 2 * s.channels;
        const double hi = static_cast<double>(slot[c]), lo = static_cast<double>(slot[s.channels + c]);
        acc += lo != lo ? hi : hi + lo;
      }
      gw[c] = static_cast<T>(acc);
    }
  });
  dx.finish();
  dw.finish();
  return py::make_tuple(dx.result, dw.result);
}

}  // namespace

void register_structured(py::module_& m) {
  m.def("softmax_family", &softmax_forward, py::arg("kind"), py::arg("x"), py::arg("axis"),
        py::arg("out"), py::arg("threads"));
  m.def("softmax_family_backward", &softmax_backward, py::arg("kind"), py::arg("grad_output"),
        py::arg("x"), py::arg("y"), py::arg("axis"), py::arg("out"), py::arg("threads"));
  m.def("glu", &glu_forward, py::arg("x"), py::arg("axis"), py::arg("out"), py::arg("threads"));
  m.def("glu_backward", &glu_backward, py::arg("grad_output"), py::arg("x"), py::arg("y"),
        py::arg("axis"), py::arg("out"), py::arg("threads"));
  m.def("maxout", &maxout_forward, py::arg("x"), py::arg("pieces"), py::arg("axis"),
        py::arg("out"), py::arg("threads"));
  m.def("maxout_backward", &maxout_backward, py::arg("grad_output"), py::arg("x"), py::arg("y"),
        py::arg("pieces"), py::arg("axis"), py::arg("out"), py::arg("threads"));
  m.def("prelu", &prelu_forward, py::arg("x"), py::arg("weight"), py::arg("axis"), py::arg("out"),
        py::arg("threads"));
  m.def("prelu_backward", &prelu_backward, py::arg("grad_output"), py::arg("x"),
        py::arg("weight"), py::arg("axis"), py::arg("out"), py::arg("threads"));
}

}  // namespace fastact
