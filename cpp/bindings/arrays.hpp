// Argument handling shared by the binding files (module.cpp: the elementwise activations,
// structured.cpp: softmax & co.): NumPy arrays in, contiguous typed buffers out, dtype rules,
// out= checks, overlap detection and the threads argument. Baseline code only.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/dispatch.hpp"

namespace fastact {

namespace py = pybind11;

// NumPy C-API flag values (numpy/ndarraytypes.h), stable across NumPy 1.x and 2.x.
constexpr int kNpyCContiguous = 0x0001;
constexpr int kNpyAligned = 0x0100;
constexpr int kNpyWriteable = 0x0400;
constexpr int kNpyForceCast = 0x0010;
constexpr int kNpyEnsureArray = 0x0040;
constexpr int kMaxThreads = 1024;

[[noreturn]] inline void type_error(const std::string& msg) { throw py::type_error(msg); }
[[noreturn]] inline void value_error(const std::string& msg) { throw py::value_error(msg); }

// The element type a computation runs in and the dtype its result is returned in.
enum class Compute { f32, f64 };
struct DtypePlan {
  Compute compute;
  py::dtype result;
};

inline py::dtype compute_dtype(Compute c) {
  return c == Compute::f32 ? py::dtype::of<float>() : py::dtype::of<double>();
}

inline std::string dtype_str(const py::dtype& dt) { return py::str(dt).cast<std::string>(); }

// Same data type (NumPy's equivalence: equal dtype objects need not be the same object).
inline bool same_dtype(const py::dtype& a, const py::dtype& b) {
  return a.is(b) || py::detail::npy_api::get().PyArray_EquivTypes_(a.ptr(), b.ptr());
}

// Any array_like -> ndarray, without copying an ndarray.
inline py::array to_array(py::handle h, const std::string& fn, const char* arg) {
  if (py::isinstance<py::array>(h)) return py::reinterpret_borrow<py::array>(h);
  auto& api = py::detail::npy_api::get();
  PyObject* raw = api.PyArray_FromAny_(h.ptr(), nullptr, 0, 0, kNpyEnsureArray, nullptr);
  if (!raw) {
    py::error_already_set err;
    type_error(fn + ": " + arg + " is not convertible to a numeric array (" + err.what() + ")");
  }
  return py::reinterpret_steal<py::array>(raw);
}

// NumPy's rules, restricted to real numbers: float32/float64 natively, float16 computed in
// float32 and returned as float16, bool and integers computed and returned as float64.
inline DtypePlan plan_dtype(const py::array& a, const std::string& fn, const char* arg) {
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  // Results come back in native byte order, as NumPy's ufuncs return them.
  if (kind == 'f') {
    if (size == 4) return {Compute::f32, py::dtype::of<float>()};
    if (size == 8) return {Compute::f64, py::dtype::of<double>()};
    if (size == 2) return {Compute::f32, py::dtype("float16")};
    type_error(fn + ": " + arg + " has dtype " + dtype_str(dt) +
               ", which fastact does not compute in; convert it to float64 or float32");
  }
  if (kind == 'b' || kind == 'i' || kind == 'u') return {Compute::f64, py::dtype::of<double>()};
  type_error(fn + ": " + arg + " has dtype " + dtype_str(dt) +
             "; expected real numbers (float16/32/64, integer or bool)");
}

// A C-contiguous, aligned array of the compute dtype: `a` itself when it already is one.
inline py::array contiguous_as(const py::array& a, Compute c) {
  py::dtype dt = compute_dtype(c);
  const int need = kNpyCContiguous | kNpyAligned;
  if ((a.flags() & need) == need && same_dtype(a.dtype(), dt)) return a;
  auto& api = py::detail::npy_api::get();
  PyObject* raw = api.PyArray_FromAny_(a.ptr(), dt.release().ptr(), 0, 0,
                                       kNpyEnsureArray | need | kNpyForceCast, nullptr);
  if (!raw) throw py::error_already_set();
  return py::reinterpret_steal<py::array>(raw);
}

inline bool same_shape(const py::array& a, const py::array& b) {
  if (a.ndim() != b.ndim()) return false;
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    if (a.shape(i) != b.shape(i)) return false;
  return true;
}

inline std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    s += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) s += a.ndim() == 1 ? "," : ", ";
  }
  return s + ")";
}

// [lowest, highest) byte addresses an array can touch, for any strides.
struct ByteRange {
  std::uintptr_t lo, hi;
};
inline ByteRange byte_range(const py::array& a) {
  auto lo = reinterpret_cast<std::uintptr_t>(a.data());
  auto hi = lo;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) == 0) return {lo, lo};
    const py::ssize_t extent = (a.shape(i) - 1) * a.strides(i);
    if (extent < 0) lo -= static_cast<std::uintptr_t>(-extent);
    else hi += static_cast<std::uintptr_t>(extent);
  }
  return {lo, hi + static_cast<std::uintptr_t>(a.itemsize())};
}
inline bool overlaps(const py::array& a, const py::array& b) {
  const ByteRange ra = byte_range(a), rb = byte_range(b);
  return ra.lo < rb.hi && rb.lo < ra.hi;
}

inline int resolve_threads(py::handle threads, const std::string& fn) {
  if (threads.is_none()) return get_num_threads();
  if (PyBool_Check(threads.ptr()) || !PyLong_Check(threads.ptr()))
    type_error(fn + ": threads must be an int or None, got " +
               std::string(Py_TYPE(threads.ptr())->tp_name));
  const long t = PyLong_AsLong(threads.ptr());
  if (t == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    value_error(fn + ": threads is out of range");
  }
  if (t < 1 || t > kMaxThreads)
    value_error(fn + ": threads must be between 1 and " + std::to_string(kMaxThreads) +
                ", got " + std::to_string(t));
  return static_cast<int>(t);
}

// The destination: `out` itself when the kernel can write into it directly, otherwise a
// fresh buffer that finish() copies (casting float32 -> float16 where needed) into `out`.
struct Destination {
  py::array result;  // what the call returns
  py::array target;  // contiguous compute-dtype buffer the kernel writes
  bool copy_back;
  void finish() {
    if (copy_back) {
      auto& api = py::detail::npy_api::get();
      if (api.PyArray_CopyInto_(result.ptr(), target.ptr()) != 0) throw py::error_already_set();
    }
  }
};

// Checks `out` (None or an array) against the expected shape/dtype and decides where the
// kernel writes. `inputs` are the contiguous buffers the kernel will read: writing into one
// of them is fine only when it is the very same memory (element i read before written).
inline Destination make_destination(py::handle out, const py::array& like, const DtypePlan& plan,
                             std::initializer_list<const py::array*> inputs,
                             const std::string& fn) {
  const py::dtype cdt = compute_dtype(plan.compute);
  if (out.is_none()) {
    py::array result(plan.result, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim()));
    if (same_dtype(result.dtype(), cdt)) return {result, result, false};
    return {result, py::array(cdt, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim())), true};
  }
  if (!py::isinstance<py::array>(out))
    type_error(fn + ": out must be a numpy.ndarray, got " + std::string(Py_TYPE(out.ptr())->tp_name));
  auto o = py::reinterpret_borrow<py::array>(out);
  if (!same_dtype(o.dtype(), plan.result))
    type_error(fn + ": out has dtype " + dtype_str(o.dtype()) + ", expected " + dtype_str(plan.result));
  if (!same_shape(o, like))
    value_error(fn + ": out has shape " + shape_str(o) + ", expected " + shape_str(like));
  if (!(o.flags() & kNpyWriteable)) value_error(fn + ": out is read-only");
  const int need = kNpyCContiguous | kNpyAligned;
  bool direct = (o.flags() & need) == need && same_dtype(o.dtype(), cdt);
  for (const py::array* in : inputs) {
    if (direct && overlaps(*in, o) && in->data() != o.data()) direct = false;
  }
  if (direct) return {o, o, false};
  return {o, py::array(cdt, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim())), true};
}

}  // namespace fastact
