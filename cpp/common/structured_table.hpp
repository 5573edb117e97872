// The kernels of the structured (non-elementwise) activations: softmax, log_softmax, softmin,
// glu, maxout and prelu, forward and backward. Part of the contract between the per-ISA
// kernel objects and the baseline code (kernel_table.hpp): plain types and function pointers
// only.
//
// Every kernel handles one piece of work that the caller (cpp/bindings/structured.cpp) cut
// from the array by its shape alone, so a result never depends on the thread count. All
// pointers are to C-contiguous arrays of the compute type, already offset to the piece.
#pragma once

#include <cstddef>

namespace fastact {

// An array seen as (outer, len, inner) around the reduction axis, inner contiguous. A call
// handles `outer` consecutive slices (slice stride len * inner) and, in each, the `cols`
// columns starting at the given pointers (cols <= inner). The axis is the last one exactly
// when inner == 1 (then cols == 1 and the kernels vectorise along the row); otherwise they
// vectorise across the columns and walk the axis with stride `inner`.
struct AxisLayout {
  std::size_t outer;
  std::size_t len;
  std::size_t inner;
  std::size_t cols;
};

enum class SoftmaxKind : int { softmax = 0, log_softmax = 1, softmin = 2 };
constexpr int kNumSoftmaxKinds = 3;

// y = f(x) along the axis. y == x (in place) is allowed.
template <class T>
using SoftmaxFn = void (*)(const T* x, T* y, const AxisLayout& l);
// dx from grad_output g and the forward output y (from_y) or input x (from_x).
// from_y: dx may alias g or y exactly. from_x: dx may alias x exactly, never g (dx holds the
// recomputed forward output before g is read for the last time).
template <class T>
using SoftmaxBackwardFn = void (*)(const T* g, const T* xy, T* dx, const AxisLayout& l);

// GLU over `outer` slices of x = (a, b) halves of `half` elements each (slice stride 2*half;
// y and g have slice stride half); a call handles `n` elements of each half starting at the
// given offset into the slice (pointers point at the slice start of the first slice; `begin`
// is the offset inside each half).
struct GluLayout {
  std::size_t outer;
  std::size_t half;
  std::size_t begin;
  std::size_t n;
};
template <class T>
using GluFn = void (*)(const T* x, T* y, const GluLayout& l);
// dx (shape of x) from g (shape of y) and x. dx may alias x exactly, never g.
template <class T>
using GluBackwardFn = void (*)(const T* g, const T* x, T* dx, const GluLayout& l);

// Maxout: `rows` rows of `n` outputs; output j of row r is the max over p < pieces of
// x[r * x_row + j * x_col + p * x_piece]; y[r * y_row + j]. The axis is last exactly when
// x_col == pieces and x_piece == 1 (then the loads are strided); otherwise x_col == 1.
struct MaxoutLayout {
  std::size_t rows;
  std::size_t n;
  std::size_t pieces;
  std::size_t x_row, x_col, x_piece;
  std::size_t y_row;
};
template <class T>
using MaxoutFn = void (*)(const T* x, T* y, const MaxoutLayout& l);
// dx (shape of x) = g routed to the first maximal element of each group, +0 elsewhere; g is
// laid out like y. dx may alias x exactly, never g.
template <class T>
using MaxoutBackwardFn = void (*)(const T* g, const T* x, T* dx, const MaxoutLayout& l);

// PReLU over `outer` slices of (channels, inner) with one slope per channel. A call handles
// `channels` channels starting at w (one slope each) and `len` contiguous elements of each
// (slice, channel) pair, channel stride `channel_stride`, slice stride `slice_stride`.
// channel_stride == 1 (then len == 1) is the row form: channels are contiguous and the
// kernels vectorise across them.
struct PreluLayout {
  std::size_t outer;
  std::size_t channels;
  std::size_t len;
  std::size_t channel_stride;
  std::size_t slice_stride;
};
// y = x > 0 ? x : w[c] * x. y may alias x exactly.
template <class T>
using PreluFn = void (*)(const T* x, const T* w, T* y, const PreluLayout& l);
// gx = x > 0 ? g : w[c] * g (gx may alias g or x exactly), and the sum over the call's
// elements of channel c of (x > 0 ? 0 : x * g) as gw_hi[c] + gw_lo[c] (a compensated sum;
// both arrays have `channels` entries and are overwritten), in a fixed order: row form, over
// the slices in order; otherwise, channel by channel, a blocked compensated vector sum over
// its segments in slice order, reduced once.
template <class T>
using PreluBackwardFn = void (*)(const T* g, const T* x, const T* w, T* gx, T* gw_hi, T* gw_lo,
                                 const PreluLayout& l);

template <class T>
struct StructuredSet {
  SoftmaxFn<T> softmax[kNumSoftmaxKinds];
  SoftmaxBackwardFn<T> softmax_backward_from_y[kNumSoftmaxKinds];
  SoftmaxBackwardFn<T> softmax_backward_from_x[kNumSoftmaxKinds];
  GluFn<T> glu;
  GluBackwardFn<T> glu_backward;
  MaxoutFn<T> maxout;
  MaxoutBackwardFn<T> maxout_backward;
  PreluFn<T> prelu;
  PreluBackwardFn<T> prelu_backward;
};

struct StructuredKernels {
  StructuredSet<float> f32;
  StructuredSet<double> f64;
};

}  // namespace fastact
