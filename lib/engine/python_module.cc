/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Python binding of the engine (`_robustamc_engine`), used by robustamc.engine; it needs
 * NumPy only, never PyTorch or GNU Radio.
 */
#include "engine.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <complex>
#include <stdexcept>

namespace py = pybind11;
using robustamc_engine::Engine;

namespace {

py::array_t<float> classify(Engine& e, py::array windows, bool logits)
{
    const auto& c = e.config();
    // complex64 (N, W): the same bytes as interleaved float32 I/Q
    auto w = py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>::ensure(windows);
    if (!w)
        throw std::invalid_argument("windows must be a complex array (N, window)");
    if (w.ndim() != 2 || w.shape(1) != c.window)
        throw std::invalid_argument("windows must have shape (N, " + std::to_string(c.window) +
                                    "), not " + std::string(py::str(py::tuple(windows.attr("shape")))));
    const std::size_t n = w.shape(0);
    py::array_t<float> out({ (py::ssize_t)n, (py::ssize_t)c.num_classes });
    const float* x = reinterpret_cast<const float*>(w.data());
    float* o = out.mutable_data();
    {
        py::gil_scoped_release release;
        e.classify(x, n, o, logits);
    }
    return out;
}

} // namespace

PYBIND11_MODULE(_robustamc_engine, m)
{
    m.doc() = "gr-robustamc's inference engine for its transformer classifiers (no PyTorch)";
    py::register_exception<std::invalid_argument>(m, "EngineError", PyExc_ValueError);
    py::class_<Engine>(m, "Engine")
        .def(py::init([](py::bytes blob, const std::string& isa) {
                 std::string b = blob;
                 return new Engine(b.data(), b.size(), isa);
             }),
             py::arg("blob"), py::arg("isa") = "auto",
             "Load a weights blob (robustamc.engine.engine_blob); isa 'auto', 'avx2' or 'generic'.")
        .def_property_readonly("isa", &Engine::isa)
        .def_property_readonly("weight_bytes", &Engine::weight_bytes)
        .def_property_readonly("window", [](const Engine& e) { return e.config().window; })
        .def_property_readonly("num_classes", [](const Engine& e) { return e.config().num_classes; })
        .def("classify", &classify, py::arg("windows"), py::arg("logits") = false,
             "Probabilities (or logits) float32 (N, classes) of complex windows (N, window).");
    m.def("available_isas", &Engine::available_isas,
          "Instruction sets this build can use on this CPU, best first.");
}
