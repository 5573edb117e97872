// Python bindings: turn NumPy arguments into contiguous typed buffers, check everything
// before anything is written, release the GIL and run the active ISA's kernel.
//
// The public, documented API is python/fastact/__init__.py, which calls forward()/backward()
// here with the activation's id and its parameters already validated.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/cpu_features.hpp"
#include "common/dispatch.hpp"
#include "common/kernel_table.hpp"

namespace py = pybind11;

namespace fastact {
namespace {

constexpr const char* kActivationNames[] = {
#define FASTACT_ACTIVATION(name, Op) #name,
#include "common/activations.def"
#undef FASTACT_ACTIVATION
};

// NumPy C-API flag values (numpy/ndarraytypes.h), stable across NumPy 1.x and 2.x.
constexpr int kNpyCContiguous = 0x0001;
constexpr int kNpyAligned = 0x0100;
constexpr int kNpyWriteable = 0x0400;
constexpr int kNpyForceCast = 0x0010;
constexpr int kNpyEnsureArray = 0x0040;
constexpr int kMaxThreads = 1024;

[[noreturn]] void type_error(const std::string& msg) { throw py::type_error(msg); }
[[noreturn]] void value_error(const std::string& msg) { throw py::value_error(msg); }

// The element type a computation runs in and the dtype its result is returned in.
enum class Compute { f32, f64 };
struct DtypePlan {
  Compute compute;
  py::dtype result;
};

py::dtype compute_dtype(Compute c) {
  return c == Compute::f32 ? py::dtype::of<float>() : py::dtype::of<double>();
}

std::string dtype_str(const py::dtype& dt) { return py::str(dt).cast<std::string>(); }

// Any array_like -> ndarray, without copying an ndarray.
py::array to_array(py::handle h, const std::string& fn, const char* arg) {
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
DtypePlan plan_dtype(const py::array& a, const std::string& fn, const char* arg) {
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'f') {
    if (size == 4) return {Compute::f32, dt};
    if (size == 8) return {Compute::f64, dt};
    if (size == 2) return {Compute::f32, dt};
    type_error(fn + ": " + arg + " has dtype " + dtype_str(dt) +
               ", which fastact does not compute in; convert it to float64 or float32");
  }
  if (kind == 'b' || kind == 'i' || kind == 'u') return {Compute::f64, py::dtype::of<double>()};
  type_error(fn + ": " + arg + " has dtype " + dtype_str(dt) +
             "; expected real numbers (float16/32/64, integer or bool)");
}

// A C-contiguous, aligned array of the compute dtype: `a` itself when it already is one.
py::array contiguous_as(const py::array& a, Compute c) {
  py::dtype dt = compute_dtype(c);
  const int need = kNpyCContiguous | kNpyAligned;
  if ((a.flags() & need) == need && a.dtype().is(dt)) return a;
  auto& api = py::detail::npy_api::get();
  PyObject* raw = api.PyArray_FromAny_(a.ptr(), dt.release().ptr(), 0, 0,
                                       kNpyEnsureArray | need | kNpyForceCast, nullptr);
  if (!raw) throw py::error_already_set();
  return py::reinterpret_steal<py::array>(raw);
}

bool same_shape(const py::array& a, const py::array& b) {
  if (a.ndim() != b.ndim()) return false;
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    if (a.shape(i) != b.shape(i)) return false;
  return true;
}

std::string shape_str(const py::array& a) {
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
ByteRange byte_range(const py::array& a) {
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
bool overlaps(const py::array& a, const py::array& b) {
  const ByteRange ra = byte_range(a), rb = byte_range(b);
  return ra.lo < rb.hi && rb.lo < ra.hi;
}

int resolve_threads(py::handle threads, const std::string& fn) {
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
Destination make_destination(py::handle out, const py::array& like, const DtypePlan& plan,
                             std::initializer_list<const py::array*> inputs,
                             const std::string& fn) {
  const py::dtype cdt = compute_dtype(plan.compute);
  if (out.is_none()) {
    py::array result(plan.result, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim()));
    if (result.dtype().is(cdt)) return {result, result, false};
    return {result, py::array(cdt, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim())), true};
  }
  if (!py::isinstance<py::array>(out))
    type_error(fn + ": out must be a numpy.ndarray, got " + std::string(Py_TYPE(out.ptr())->tp_name));
  auto o = py::reinterpret_borrow<py::array>(out);
  if (!o.dtype().is(plan.result))
    type_error(fn + ": out has dtype " + dtype_str(o.dtype()) + ", expected " + dtype_str(plan.result));
  if (!same_shape(o, like))
    value_error(fn + ": out has shape " + shape_str(o) + ", expected " + shape_str(like));
  if (!(o.flags() & kNpyWriteable)) value_error(fn + ": out is read-only");
  const int need = kNpyCContiguous | kNpyAligned;
  bool direct = (o.flags() & need) == need && o.dtype().is(cdt);
  for (const py::array* in : inputs) {
    if (direct && overlaps(*in, o) && in->data() != o.data()) direct = false;
  }
  if (direct) return {o, o, false};
  return {o, py::array(cdt, std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim())), true};
}

Params make_params(double p0, double p1, double p2, double p3) { return Params{{p0, p1, p2, p3}}; }

const ActivationKernels& kernels_of(int act) { return active_table()->act[act]; }

void check_act(int act) {
  if (act < 0 || act >= kNumActivations) value_error("fastact: unknown activation id");
}

py::array forward(int act, py::handle x_in, py::handle out, py::handle threads, double p0,
                  double p1, double p2, double p3) {
  check_act(act);
  const std::string fn = kActivationNames[act];
  const py::array x = to_array(x_in, fn, "x");
  const DtypePlan plan = plan_dtype(x, fn, "x");
  const int t = resolve_threads(threads, fn);
  const py::array xc = contiguous_as(x, plan.compute);
  Destination dst = make_destination(out, x, plan, {&xc}, fn);
  const auto n = static_cast<std::size_t>(x.size());
  const Params p = make_params(p0, p1, p2, p3);
  if (n) {
    const ActivationKernels& k = kernels_of(act);
    const void* src = xc.data();
    void* dest = dst.target.mutable_data();
    // Safe without the GIL: only raw buffers kept alive by the arrays above are touched.
    py::gil_scoped_release nogil;
    if (plan.compute == Compute::f32)
      run_forward(k.f32.forward, static_cast<const float*>(src), static_cast<float*>(dest), n, p, t);
    else
      run_forward(k.f64.forward, static_cast<const double*>(src), static_cast<double*>(dest), n, p, t);
  }
  dst.finish();
  return dst.result;
}

py::array backward(int act, py::handle grad_in, py::handle x_in, py::handle y_in, py::handle out,
                   py::handle threads, double p0, double p1, double p2, double p3) {
  check_act(act);
  const std::string fn = std::string(kActivationNames[act]) + "_backward";
  const bool from_y = !y_in.is_none();
  if (from_y == !x_in.is_none())
    type_error(fn + ": pass exactly one of x (the forward input) and y (the forward output)");
  const ActivationKernels& k = kernels_of(act);
  if (from_y && k.f32.backward_from_y == nullptr)
    type_error(fn + ": the derivative of " + kActivationNames[act] +
               " is not a function of its output; pass the forward input x instead of y");
  const char* arg = from_y ? "y" : "x";
  const py::array xy = to_array(from_y ? y_in : x_in, fn, arg);
  const DtypePlan plan = plan_dtype(xy, fn, arg);
  const py::array g = to_array(grad_in, fn, "grad_output");
  plan_dtype(g, fn, "grad_output");  // dtype check only: it is cast to the compute type
  if (!same_shape(g, xy))
    value_error(fn + ": grad_output has shape " + shape_str(g) + " but " + arg + " has shape " +
                shape_str(xy) + " (no broadcasting)");
  const int t = resolve_threads(threads, fn);
  const py::array xyc = contiguous_as(xy, plan.compute);
  const py::array gc = contiguous_as(g, plan.compute);
  Destination dst = make_destination(out, xy, plan, {&xyc, &gc}, fn);
  const auto n = static_cast<std::size_t>(xy.size());
  const Params p = make_params(p0, p1, p2, p3);
  if (n) {
    const void* gsrc = gc.data();
    const void* vsrc = xyc.data();
    void* dest = dst.target.mutable_data();
    py::gil_scoped_release nogil;
    if (plan.compute == Compute::f32) {
      const auto f = from_y ? k.f32.backward_from_y : k.f32.backward_from_x;
      run_backward(f, static_cast<const float*>(gsrc), static_cast<const float*>(vsrc),
                   static_cast<float*>(dest), n, p, t);
    } else {
      const auto f = from_y ? k.f64.backward_from_y : k.f64.backward_from_x;
      run_backward(f, static_cast<const double*>(gsrc), static_cast<const double*>(vsrc),
                   static_cast<double*>(dest), n, p, t);
    }
  }
  dst.finish();
  return dst.result;
}

// The active ISA's plain copy kernel through the same driver: the benchmark's yardstick for
// the machine's (multi-threaded) memory bandwidth. Both arrays must be C-contiguous, aligned
// and of one dtype (float32 or float64), with the same size.
void copy(const py::array& src, py::array& dst, py::handle threads) {
  const std::string fn = "fastact._core.copy";
  const int need = kNpyCContiguous | kNpyAligned;
  if ((src.flags() & need) != need || (dst.flags() & (need | kNpyWriteable)) != (need | kNpyWriteable))
    value_error(fn + ": arrays must be C-contiguous, aligned and the destination writable");
  if (!src.dtype().is(dst.dtype()) || src.size() != dst.size())
    value_error(fn + ": arrays must have the same dtype and size");
  const int t = resolve_threads(threads, fn);
  const auto n = static_cast<std::size_t>(src.size());
  const KernelTable* table = active_table();
  const Params p{};
  const void* s = src.data();
  void* d = dst.mutable_data();
  const char kind = src.dtype().kind();
  const auto size = src.dtype().itemsize();
  if (kind != 'f' || (size != 4 && size != 8)) type_error(fn + ": float32 or float64 arrays only");
  py::gil_scoped_release nogil;
  if (size == 4)
    run_forward(table->copy_f32, static_cast<const float*>(s), static_cast<float*>(d), n, p, t);
  else
    run_forward(table->copy_f64, static_cast<const double*>(s), static_cast<double*>(d), n, p, t);
}

// ---- ISA selection ------------------------------------------------------------------------

bool parse_isa(const std::string& name, Isa* isa) {
  for (int i = 0; i < kNumIsas; ++i) {
    if (name == isa_name(static_cast<Isa>(i))) {
      *isa = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

Isa best_isa() {
  for (int i = kNumIsas - 1; i > 0; --i)
    if (cpu_supports(static_cast<Isa>(i))) return static_cast<Isa>(i);
  return Isa::scalar;
}

std::string isa_list() {
  std::string s;
  for (int i = 0; i < kNumIsas; ++i) s += std::string(i ? ", " : "") + isa_name(static_cast<Isa>(i));
  return s;
}

void set_isa(const std::string& name) {
  Isa isa;
  if (name == "best") {
    activate_isa(best_isa());
    return;
  }
  if (!parse_isa(name, &isa))
    value_error("fastact.set_isa: unknown ISA '" + name + "'; expected one of " + isa_list() + " or best");
  if (!cpu_supports(isa))
    value_error("fastact.set_isa: this CPU does not support " + name);
  activate_isa(isa);
}

// FASTACT_ISA chooses the ISA at import; a bad value fails the import.
void init_isa_from_environment() {
  const char* env = std::getenv("FASTACT_ISA");
  if (!env || !*env) {
    activate_isa(best_isa());
    return;
  }
  const std::string name(env);
  Isa isa;
  if (name != "best" && !parse_isa(name, &isa))
    throw py::import_error("fastact: FASTACT_ISA='" + name + "' is not an ISA; expected one of " +
                           isa_list() + " or best");
  if (name != "best" && !cpu_supports(isa))
    throw py::import_error("fastact: FASTACT_ISA='" + name + "' but this CPU does not support it");
  activate_isa(name == "best" ? best_isa() : isa);
}

py::dict build_info() {
  py::dict d;
  d["version"] = FASTACT_VERSION;
#if defined(__clang__)
  d["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  d["compiler"] = std::string("gcc ") + __VERSION__;
#else
  d["compiler"] = "unknown";
#endif
  d["cxx_flags"] = FASTACT_CXX_FLAGS;
  d["isa_flags"] = py::dict(
      py::arg("scalar") = "(baseline x86-64)", py::arg("avx2") = "-mavx2 -mfma",
      py::arg("avx512") = "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma");
  d["common_isa_flags"] = "-O3 -ffp-contract=off -fno-math-errno";
#ifdef _OPENMP
  d["openmp"] = _OPENMP;
#else
  d["openmp"] = py::none();
#endif
  d["chunk_elements"] = kChunkElements;
  d["parallel_min_elements"] = kParallelMinElements;
  d["stream_min_bytes"] = kStreamMinBytes;
  return d;
}

}  // namespace
}  // namespace fastact

PYBIND11_MODULE(_core, m) {
  using namespace fastact;
  m.doc() = "fastact's compiled core; use the fastact package, not this module.";
  fastact::init_isa_from_environment();

  py::list names;
  for (const char* n : kActivationNames) names.append(n);
  m.attr("ACTIVATIONS") = py::tuple(names);
  py::list from_y;
  for (int i = 0; i < kNumActivations; ++i)
    from_y.append(kernels_scalar()->act[i].f32.backward_from_y != nullptr);
  m.attr("BACKWARD_FROM_Y") = py::tuple(from_y);

  m.def("forward", &forward, py::arg("act"), py::arg("x"), py::arg("out"), py::arg("threads"),
        py::arg("p0") = 0.0, py::arg("p1") = 0.0, py::arg("p2") = 0.0, py::arg("p3") = 0.0);
  m.def("backward", &backward, py::arg("act"), py::arg("grad_output"), py::arg("x"),
        py::arg("y"), py::arg("out"), py::arg("threads"), py::arg("p0") = 0.0,
        py::arg("p1") = 0.0, py::arg("p2") = 0.0, py::arg("p3") = 0.0);

  m.def("copy", &copy, py::arg("src"), py::arg("dst"), py::arg("threads") = py::none());
  m.def("get_isa", [] { return std::string(isa_name(active_isa())); });
  m.def("set_isa", &set_isa, py::arg("name"));
  m.def("available_isas", [] {
    py::dict d;
    for (int i = 0; i < kNumIsas; ++i) d[isa_name(static_cast<Isa>(i))] = cpu_supports(static_cast<Isa>(i));
    return d;
  });
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", [](py::handle n) {
    if (n.is_none()) fastact::type_error("fastact.set_num_threads: n must be an int, got None");
    return fastact::set_num_threads(resolve_threads(n, "fastact.set_num_threads"));
  });
  m.def("build_info", &build_info);
}
