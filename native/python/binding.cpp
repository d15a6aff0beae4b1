// connguard._native: the C++ engine exposed to Python. Thin on purpose: every
// rule lives in the engine, this file only converts types.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <connguard/classification.hpp>
#include <connguard/decision.hpp>
#include <connguard/duration.hpp>
#include <connguard/limiter.hpp>
#include <connguard/policy.hpp>
#include <connguard/policy_error.hpp>
#include <connguard/policy_set.hpp>
#include <connguard/schedule.hpp>
#include <connguard/splitmix64.hpp>
#include <optional>
#include <string>

#include "policy_set_table.hpp"

namespace py = pybind11;
using namespace connguard;

namespace {

// Raises connguard.errors.PolicyError (a ValueError) with every field of the
// C++ error, so Python callers can inspect kind/table/key like C++ ones.
void translate_policy_error(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const PolicyError& e) {
        py::object cls = py::module_::import("connguard.errors").attr("PolicyError");
        py::object err =
            cls(e.what(), py::arg("kind") = std::string(to_string(e.kind())), py::arg("file") = e.file(),
                py::arg("line") = e.line(), py::arg("table") = e.table(), py::arg("key") = e.key(),
                py::arg("problem") = e.problem(), py::arg("allowed") = e.allowed());
        PyErr_SetObject(cls.ptr(), err.ptr());
    }
}

toml::table to_table(const py::dict& dict, const std::string& path);

// Appends a Python value to `out` as the TOML node a file would have produced,
// so a mapping is validated by exactly the same code as a file.
void push_value(toml::array& out, const py::handle& value, const std::string& path) {
    if (py::isinstance<py::bool_>(value)) {
        out.push_back(value.cast<bool>());
    } else if (py::isinstance<py::int_>(value)) {
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
        if (overflow != 0) throw py::value_error(path + ": integer out of the 64-bit range");
        out.push_back(static_cast<std::int64_t>(v));
    } else if (py::isinstance<py::float_>(value)) {
        out.push_back(value.cast<double>());
    } else if (py::isinstance<py::str>(value)) {
        out.push_back(value.cast<std::string>());
    } else if (py::isinstance<py::dict>(value)) {
        out.push_back(to_table(value.cast<py::dict>(), path));
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
        toml::array items;
        std::size_t i = 0;
        for (const py::handle item : value) push_value(items, item, path + "[" + std::to_string(i++) + "]");
        out.push_back(std::move(items));
    } else {
        throw py::type_error(path + ": a policy value must be a str, int, float, bool, list or dict, not " +
                             py::str(value.get_type().attr("__name__")).cast<std::string>());
    }
}

toml::table to_table(const py::dict& dict, const std::string& path) {
    toml::table table;
    for (const auto& [key, value] : dict) {
        if (!py::isinstance<py::str>(key)) throw py::type_error(path + ": policy keys must be strings");
        const auto name = key.cast<std::string>();
        toml::array one;
        push_value(one, value, path.empty() ? name : path + "." + name);
        table.insert_or_assign(name, std::move(*one.get(0)));
    }
    return table;
}

py::dict policy_to_dict(const Policy& p) {
    py::dict d;
    d["max_attempts"] = p.max_attempts;
    d["deadline"] = p.deadline;
    d["connect_timeout"] = p.connect_timeout;
    d["initial_delay"] = p.initial_delay;
    d["max_delay"] = p.max_delay;
    d["multiplier"] = p.multiplier;
    d["jitter"] = std::string(to_string(p.jitter));
    d["retry_on"] = p.retry_on;
    d["never_retry"] = p.never_retry;
    py::dict limiter;
    limiter["enabled"] = p.limiter.enabled;
    limiter["initial_limit"] = p.limiter.initial_limit;
    limiter["max_limit"] = p.limiter.max_limit;
    d["limiter"] = limiter;
    return d;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "connguard's C++ engine: policy, classification, schedule, decision.";
    py::register_exception_translator(&translate_policy_error);

    py::class_<LimiterPolicy>(m, "LimiterPolicy")
        .def_readonly("enabled", &LimiterPolicy::enabled)
        .def_readonly("initial_limit", &LimiterPolicy::initial_limit)
        .def_readonly("max_limit", &LimiterPolicy::max_limit);

    py::class_<Policy>(m, "Policy")
        .def(py::init<>())
        .def_static(
            "from_dict",
            [](const py::dict& keys) {
                toml::table file;
                file.insert("default", to_table(keys, "default"));
                return detail::policy_set_from_table(file, "<dict>").defaults();
            },
            py::arg("keys"))
        .def_readonly("service", &Policy::service)
        .def_readonly("max_attempts", &Policy::max_attempts)
        .def_readonly("deadline", &Policy::deadline)
        .def_readonly("connect_timeout", &Policy::connect_timeout)
        .def_readonly("initial_delay", &Policy::initial_delay)
        .def_readonly("max_delay", &Policy::max_delay)
        .def_readonly("multiplier", &Policy::multiplier)
        .def_property_readonly("jitter", [](const Policy& p) { return std::string(to_string(p.jitter)); })
        .def_readonly("retry_on", &Policy::retry_on)
        .def_readonly("never_retry", &Policy::never_retry)
        .def_readonly("limiter", &Policy::limiter)
        .def("to_dict", &policy_to_dict)
        .def("__repr__", [](const Policy& p) {
            std::string s =
                "Policy(service=" + (p.service.empty() ? std::string("None") : "'" + p.service + "'");
            for (const auto& [key, value] : policy_to_dict(p)) {
                s += ", " + py::str(key).cast<std::string>() + "=" + py::repr(value).cast<std::string>();
            }
            return s + ")";
        });

    py::class_<PolicySet>(m, "PolicySet")
        .def_static("load", &PolicySet::load, py::arg("path"))
        .def_static("parse", &PolicySet::parse, py::arg("text"), py::arg("source") = "<string>")
        .def_property_readonly("defaults", &PolicySet::defaults)
        .def("service", &PolicySet::service, py::arg("name"))
        .def_property_readonly("service_names", &PolicySet::service_names)
        .def_property_readonly("source", &PolicySet::source);

    m.def(
        "load_policy",
        [](const std::filesystem::path& path, const std::string& service) {
            return load_policy(path, service);
        },
        py::arg("path"), py::arg("service") = "");

    py::class_<CodeInfo>(m, "CodeInfo")
        .def_readonly("code", &CodeInfo::code)
        .def_readonly("name", &CodeInfo::name)
        .def_property_readonly("error_class",
                               [](const CodeInfo& c) { return std::string(to_string(c.error_class)); })
        .def_readonly("meaning", &CodeInfo::meaning)
        .def_readonly("advice", &CodeInfo::advice);
    m.def(
        "code_info", [](int code) { return lookup_code(code); }, py::arg("code"),
        py::return_value_policy::reference);
    m.def(
        "code_info", [](std::string_view name) { return lookup_code(name); }, py::arg("name"),
        py::return_value_policy::reference);
    m.def(
        "classify",
        [](std::optional<int> code, const Policy* policy) {
            return std::string(to_string(policy ? classify(code, *policy) : classify(code)));
        },
        py::arg("code"), py::arg("policy") = nullptr);

    m.def("parse_duration", &parse_duration, py::arg("text"));
    m.def("format_duration", &format_duration, py::arg("seconds"));

    py::class_<SplitMix64>(m, "SplitMix64")
        .def(py::init<std::uint64_t>(), py::arg("seed"))
        .def("next", &SplitMix64::next)
        .def("next_unit", &SplitMix64::next_unit)
        .def_property_readonly("state", &SplitMix64::state);

    py::class_<Schedule>(m, "Schedule")
        .def(py::init<const Policy&, std::uint64_t>(), py::arg("policy"), py::arg("seed"))
        .def("next", &Schedule::next)
        .def_property_readonly("retries", &Schedule::retries);

    py::class_<Verdict>(m, "Verdict")
        .def_readonly("retry", &Verdict::retry)
        .def_readonly("delay", &Verdict::delay)
        .def_property_readonly("reason",
                               [](const Verdict& v) -> std::optional<std::string> {
                                   if (v.retry) return std::nullopt;
                                   return std::string(to_string(v.reason));
                               })
        .def_property_readonly("error_class",
                               [](const Verdict& v) { return std::string(to_string(v.error_class)); })
        .def_readonly("attempt", &Verdict::attempt);

    py::class_<Limiter::Actions>(m, "LimiterActions")
        .def_readonly("granted", &Limiter::Actions::granted)
        .def_readonly("probe_in", &Limiter::Actions::probe_in);

    py::class_<Limiter>(m, "Limiter")
        .def(py::init<const Policy&, std::uint64_t>(), py::arg("policy"), py::arg("seed"))
        .def("acquire", &Limiter::acquire, py::arg("waiter"))
        .def("connected", &Limiter::connected, py::arg("waiter"))
        .def("rejected", &Limiter::rejected, py::arg("waiter"))
        .def("left", &Limiter::left, py::arg("waiter"))
        .def("released", &Limiter::released)
        .def("probe", &Limiter::probe)
        .def_property_readonly("limit", &Limiter::limit)
        .def_property_readonly("holding", &Limiter::holding)
        .def_property_readonly("in_use", &Limiter::in_use)
        .def_property_readonly(
            "queue",
            [](const Limiter& l) { return std::vector<Limiter::Waiter>(l.queue().begin(), l.queue().end()); })
        .def_property_readonly("slow_start", &Limiter::slow_start);

    py::class_<Decision>(m, "Decision")
        .def(py::init<Policy, std::uint64_t>(), py::arg("policy"), py::arg("seed"))
        .def("after_failure", &Decision::after_failure, py::arg("code"), py::arg("elapsed"))
        .def("after_success", &Decision::after_success)
        .def_property_readonly("attempts", &Decision::attempts)
        .def_property_readonly("policy", &Decision::policy);
}
