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
#include "bindings/arrays.hpp"

namespace py = pybind11;

namespace fastact {
namespace {

constexpr const char* kActivationNames[] = {
#define FASTACT_ACTIVATION(name, Op) #name,
#include "common/activations.def"
#undef FASTACT_ACTIVATION
};

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
  if (!same_dtype(src.dtype(), dst.dtype()) || src.size() != dst.size())
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

namespace fastact {
void register_structured(py::module_& m);  // bindings/structured.cpp
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
  py::dict tables;
  for (int i = 0; i < kNumIsas; ++i)
    tables[isa_name(static_cast<Isa>(i))] = kernel_table(static_cast<Isa>(i))->float32_tables;
  m.attr("FLOAT32_TABLES") = tables;

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
  m.def("_set_parallel_min_elements", &fastact::set_parallel_min_elements, py::arg("n"),
        "Measurement hook for tools/measure_threshold.py; returns the previous value.");
  fastact::register_structured(m);
}
