// connguard._native: the C++ engine exposed to Python. Thin on purpose: every
// rule lives in the engine, this file only converts types.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <array>
#include <connguard/call.hpp>
#include <connguard/classification.hpp>
#include <connguard/decision.hpp>
#include <connguard/duration.hpp>
#include <connguard/limiter.hpp>
#include <connguard/mask.hpp>
#include <connguard/policy.hpp>
#include <connguard/policy_error.hpp>
#include <connguard/policy_set.hpp>
#include <connguard/report.hpp>
#include <connguard/schedule.hpp>
#include <connguard/splitmix64.hpp>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <vector>

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

toml::table to_table(const py::dict& dict, const std::string& table);

// A str as UTF-8. A lone surrogate, which no UTF-8 holds, becomes its \udXXX
// escape: the key or value it is in is then judged like any other text.
std::string utf8(const py::handle& text) {
    const auto bytes =
        py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(text.ptr(), "utf-8", "backslashreplace"));
    if (!bytes) throw py::error_already_set();
    return {PyBytes_AS_STRING(bytes.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.ptr()))};
}

// Appends a Python value to `out` as the TOML node a file would have produced,
// so a mapping is validated by exactly the same code as a file. `key` of
// `table` holds it (a list's elements too), as errors name them.
void push_value(toml::array& out, const py::handle& value, const std::string& table, const std::string& key) {
    const std::string path = table.empty() ? key : table + "." + key;
    if (py::isinstance<py::bool_>(value)) {
        out.push_back(value.cast<bool>());
    } else if (py::isinstance<py::int_>(value)) {
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
        // In a file such a number is a syntax error (spec 1.3); in a mapping, out of range.
        if (overflow != 0) {
            throw PolicyError(PolicyErrorKind::OutOfRange, "<dict>", 0, table, key,
                              utf8(py::str(value)) + " does not fit in 64 bits", "a 64-bit integer");
        }
        out.push_back(static_cast<std::int64_t>(v));
    } else if (py::isinstance<py::float_>(value)) {
        out.push_back(value.cast<double>());
    } else if (py::isinstance<py::str>(value)) {
        out.push_back(utf8(value));
    } else if (py::isinstance<py::dict>(value)) {
        out.push_back(to_table(value.cast<py::dict>(), path));
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
        toml::array items;
        for (const py::handle item : value) push_value(items, item, table, key);
        out.push_back(std::move(items));
    } else {
        throw py::type_error(path + ": a policy value must be a str, int, float, bool, list or dict, not " +
                             py::str(value.get_type().attr("__name__")).cast<std::string>());
    }
}

toml::table to_table(const py::dict& dict, const std::string& table) {
    toml::table made;
    for (const auto& [key, value] : dict) {
        if (!py::isinstance<py::str>(key)) throw py::type_error(table + ": policy keys must be strings");
        const std::string name = utf8(key);
        toml::array one;
        push_value(one, value, table, name);
        made.insert_or_assign(name, std::move(*one.get(0)));
    }
    return made;
}

constexpr std::array<Action::Do, 10> kKinds = {
    Action::Do::Join, Action::Do::Wait,  Action::Do::Attempt, Action::Do::Connected, Action::Do::Rejected,
    Action::Do::Left, Action::Do::Sleep, Action::Do::Retry,   Action::Do::GiveUp,    Action::Do::Done};
constexpr std::array<ErrorClass, 3> kClasses = {ErrorClass::Capacity, ErrorClass::Transient,
                                                ErrorClass::Fatal};
constexpr std::array<Reason, 3> kReasons = {Reason::Fatal, Reason::Attempts, Reason::Deadline};

// The names of one enum's values (`values` is the one array above of that
// enum) as interned Python strings, made on first use under the GIL and kept
// for the interpreter's life: reading a name allocates nothing.
template <typename Enum, std::size_t N>
PyObject* name_of(const std::array<Enum, N>& values, Enum value) {
    static const std::array<PyObject*, N> names = [&] {
        std::array<PyObject*, N> made{};
        for (std::size_t i = 0; i < N; ++i) {
            made[i] = PyUnicode_InternFromString(std::string(to_string(values[i])).c_str());
            if (made[i] == nullptr) throw py::error_already_set();
        }
        return made;
    }();
    const auto found = std::find(values.begin(), values.end(), value);
    PyObject* name = names.at(static_cast<std::size_t>(found - values.begin()));
    Py_INCREF(name);
    return name;
}

template <typename Enum, std::size_t N>
Enum value_of(const std::array<Enum, N>& values, std::string_view name, const char* what) {
    for (const Enum value : values) {
        if (to_string(value) == name) return value;
    }
    throw py::value_error("not a connguard " + std::string(what) + ": '" + std::string(name) + "'");
}

// Action and Call are CPython types written by hand rather than pybind11
// classes: a runner makes a Call and a few Actions per connect, and a pybind11
// instance costs some 300 ns to make where these cost a tenth of that.
struct ActionObject {
    PyObject_HEAD Action action;
};
struct CallObject {
    PyObject_HEAD std::optional<Call> call;  // engaged from tp_new on
};
PyTypeObject* action_type = nullptr;
PyTypeObject* call_type = nullptr;
PyObject* call_error = nullptr;  // _native.CallError, held by the module

PyObject* to_python(int value) {
    return PyLong_FromLong(value);
}
PyObject* to_python(double value) {
    return PyFloat_FromDouble(value);
}
PyObject* to_python(bool value) {
    return PyBool_FromLong(value);
}
PyObject* to_python(Action::Do kind) {
    return name_of(kKinds, kind);
}
template <typename T>
PyObject* to_python(const std::optional<T>& value) {
    if (value) return to_python(*value);
    Py_RETURN_NONE;
}
PyObject* to_python(const std::optional<ErrorClass>& value) {
    if (value) return name_of(kClasses, *value);
    Py_RETURN_NONE;
}
PyObject* to_python(const std::optional<Reason>& value) {
    if (value) return name_of(kReasons, *value);
    Py_RETURN_NONE;
}

PyObject* new_action(const Action& action) {
    PyObject* self = action_type->tp_alloc(action_type, 0);
    if (self != nullptr) new (&reinterpret_cast<ActionObject*>(self)->action) Action(action);
    return self;
}

// Action is trivially destructible: nothing to end but the object.
void action_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

template <auto Field>
PyObject* action_get(PyObject* self, void* /*closure*/) {
    return to_python(reinterpret_cast<ActionObject*>(self)->action.*Field);
}

PyGetSetDef action_fields[] = {{"do", action_get<&Action::kind>, nullptr, nullptr, nullptr},
                               {"until", action_get<&Action::until>, nullptr, nullptr, nullptr},
                               {"timeout", action_get<&Action::timeout>, nullptr, nullptr, nullptr},
                               {"delay", action_get<&Action::delay>, nullptr, nullptr, nullptr},
                               {"attempt", action_get<&Action::attempt>, nullptr, nullptr, nullptr},
                               {"max_attempts", action_get<&Action::max_attempts>, nullptr, nullptr, nullptr},
                               {"attempts", action_get<&Action::attempts>, nullptr, nullptr, nullptr},
                               {"code", action_get<&Action::code>, nullptr, nullptr, nullptr},
                               {"error_class", action_get<&Action::error_class>, nullptr, nullptr, nullptr},
                               {"reason", action_get<&Action::reason>, nullptr, nullptr, nullptr},
                               {"elapsed", action_get<&Action::elapsed>, nullptr, nullptr, nullptr},
                               {"attempted", action_get<&Action::attempted>, nullptr, nullptr, nullptr},
                               {nullptr, nullptr, nullptr, nullptr, nullptr}};

// Action(do='retry', attempt=1, ...): the fields that are not at their default.
PyObject* action_repr(PyObject* self) {
    std::string text = "Action(";
    for (const PyGetSetDef* field = action_fields; field->name != nullptr; ++field) {
        const py::object value = py::reinterpret_steal<py::object>(field->get(self, nullptr));
        if (!value) return nullptr;
        if (field != action_fields && !PyObject_IsTrue(value.ptr())) continue;
        text.append(field == action_fields ? "" : ", ").append(field->name).append("=");
        text.append(py::repr(value).cast<std::string>());
    }
    return PyUnicode_FromString(text.append(")").c_str());
}

// C++ exceptions must not cross into CPython: each becomes the Python error.
template <typename F>
PyObject* guarded(F&& body) {
    try {
        return body();
    } catch (const CallError& e) {
        PyErr_SetString(call_error, e.what());
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

PyObject* to_list(const Actions& actions) {
    PyObject* list = PyList_New(static_cast<Py_ssize_t>(actions.size()));
    for (std::size_t i = 0; list != nullptr && i < actions.size(); ++i) {
        PyObject* action = new_action(actions[i]);
        if (action == nullptr) {
            Py_CLEAR(list);
        } else {
            PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), action);
        }
    }
    return list;
}

Call& call_of(PyObject* self) {
    return *reinterpret_cast<CallObject*>(self)->call;
}

// Call(policy, seed, gated), by vectorcall: a call costs no argument tuple.
PyObject* call_vectorcall(PyObject* type, PyObject* const* args, std::size_t flags, PyObject* kwnames) {
    constexpr std::array<const char*, 3> kNames = {"policy", "seed", "gated"};
    std::array<PyObject*, 3> values{};
    const Py_ssize_t count = PyVectorcall_NARGS(flags);
    if (count > 3) {
        PyErr_Format(PyExc_TypeError, "Call() takes 3 arguments, %zd given", count);
        return nullptr;
    }
    std::copy(args, args + count, values.begin());
    const Py_ssize_t keywords = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < keywords; ++k) {
        PyObject* name = PyTuple_GET_ITEM(kwnames, k);
        const auto slot = std::find_if(kNames.begin(), kNames.end(), [&](const char* known) {
            return PyUnicode_CompareWithASCIIString(name, known) == 0;
        });
        const auto i = static_cast<std::size_t>(slot - kNames.begin());
        if (slot == kNames.end() || values[i] != nullptr) {
            PyErr_Format(PyExc_TypeError, "Call() got an unexpected or repeated argument '%U'", name);
            return nullptr;
        }
        values[i] = args[count + k];
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] == nullptr) {
            PyErr_Format(PyExc_TypeError, "Call() missing argument '%s'", kNames[i]);
            return nullptr;
        }
    }
    py::detail::make_caster<Policy> policy;
    if (!policy.load(values[0], false)) {
        PyErr_Format(PyExc_TypeError,
                     "Call() argument 'policy' must be a connguard._native.Policy, not %.200s",
                     Py_TYPE(values[0])->tp_name);
        return nullptr;
    }
    if (!PyLong_Check(values[1])) {
        PyErr_Format(PyExc_TypeError, "Call() argument 'seed' must be an int, not %.200s",
                     Py_TYPE(values[1])->tp_name);
        return nullptr;
    }
    const std::uint64_t seed = PyLong_AsUnsignedLongLong(values[1]);
    if (seed == static_cast<std::uint64_t>(-1) && PyErr_Occurred()) return nullptr;
    const int gated = PyObject_IsTrue(values[2]);
    if (gated < 0) return nullptr;
    auto* call_type_object = reinterpret_cast<PyTypeObject*>(type);
    PyObject* self = call_type_object->tp_alloc(call_type_object, 0);
    if (self == nullptr) return nullptr;
    auto* storage = new (&reinterpret_cast<CallObject*>(self)->call) std::optional<Call>();
    PyObject* made = guarded([&] {
        storage->emplace(py::detail::cast_op<const Policy&>(policy), seed, gated != 0);
        return self;
    });
    if (made == nullptr) Py_DECREF(self);  // an unengaged call: its dealloc ends nothing
    return made;
}

// Call.__new__ (what copy and pickle reach for) takes the same path.
PyObject* call_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    return PyVectorcall_Call(reinterpret_cast<PyObject*>(type), args, kwargs);
}

void call_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);
    reinterpret_cast<CallObject*>(self)->call.~optional();
    type->tp_free(self);
    Py_DECREF(type);
}

PyObject* call_start(PyObject* self, PyObject* /*unused*/) {
    return guarded([&] { return to_list(call_of(self).start()); });
}

// The events of one argument, t.
template <Actions (Call::*Event)(double)>
PyObject* call_event(PyObject* self, PyObject* t) {
    const double seconds = PyFloat_AsDouble(t);
    if (seconds == -1.0 && PyErr_Occurred()) return nullptr;
    return guarded([&] { return to_list((call_of(self).*Event)(seconds)); });
}

// failed(t, code): code an int, or None for a network error.
PyObject* call_failed(PyObject* self, PyObject* const* args, Py_ssize_t count) {
    if (count != 2) {
        PyErr_Format(PyExc_TypeError, "failed() takes 2 arguments (t, code), %zd given", count);
        return nullptr;
    }
    const double t = PyFloat_AsDouble(args[0]);
    if (t == -1.0 && PyErr_Occurred()) return nullptr;
    std::optional<int> code;
    if (args[1] != Py_None) {
        const long value = PyLong_AsLong(args[1]);
        if (value == -1 && PyErr_Occurred()) return nullptr;
        if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
            PyErr_Format(PyExc_OverflowError, "failed(): code %ld is out of range", value);
            return nullptr;
        }
        code = static_cast<int>(value);
    }
    return guarded([&] { return to_list(call_of(self).failed(t, code)); });
}

PyMethodDef call_methods[] = {
    {"start", call_start, METH_NOARGS, nullptr},
    {"granted", call_event<&Call::granted>, METH_O, nullptr},
    {"succeeded", call_event<&Call::succeeded>, METH_O, nullptr},
    {"failed", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call_failed)), METH_FASTCALL,
     nullptr},
    {"woke", call_event<&Call::woke>, METH_O, nullptr},
    {"expired", call_event<&Call::expired>, METH_O, nullptr},
    {"abandoned", call_event<&Call::abandoned>, METH_O, nullptr},
    {nullptr, nullptr, 0, nullptr}};

PyObject* call_attempts(PyObject* self, void* /*closure*/) {
    return to_python(call_of(self).attempts());
}
PyObject* call_phase(PyObject* self, void* /*closure*/) {
    return PyUnicode_FromString(std::string(to_string(call_of(self).phase())).c_str());
}
PyObject* call_gated(PyObject* self, void* /*closure*/) {
    return to_python(call_of(self).gated());
}

PyGetSetDef call_fields[] = {{"attempts", call_attempts, nullptr, nullptr, nullptr},
                             {"phase", call_phase, nullptr, nullptr, nullptr},
                             {"gated", call_gated, nullptr, nullptr, nullptr},
                             {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject* make_type(const char* name, int size, std::vector<PyType_Slot> slots) {
    slots.push_back({0, nullptr});
    PyType_Spec spec{name, size, 0, Py_TPFLAGS_DEFAULT, slots.data()};
    PyObject* type = PyType_FromSpec(&spec);
    if (type == nullptr) throw py::error_already_set();
    return reinterpret_cast<PyTypeObject*>(type);
}

}  // namespace

// Functions taking or returning an Action (the report lines) see the
// hand-written type.
namespace pybind11::detail {
template <>
struct type_caster<Action> {
    PYBIND11_TYPE_CASTER(Action, const_name("Action"));
    bool load(handle source, bool /*convert*/) {
        if (!PyObject_TypeCheck(source.ptr(), action_type)) return false;
        value = reinterpret_cast<ActionObject*>(source.ptr())->action;
        return true;
    }
    static handle cast(const Action& action, return_value_policy /*policy*/, handle /*parent*/) {
        PyObject* made = new_action(action);
        if (made == nullptr) throw error_already_set();
        return made;
    }
};
}  // namespace pybind11::detail

namespace {

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
    m.doc() = "connguard's C++ engine: policy, classification, schedule, decision, call, log texts.";
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

    call_error = py::register_exception<CallError>(m, "CallError", PyExc_RuntimeError).ptr();

    action_type = make_type("connguard._native.Action", sizeof(ActionObject),
                            {{Py_tp_dealloc, reinterpret_cast<void*>(action_dealloc)},
                             {Py_tp_getset, action_fields},
                             {Py_tp_repr, reinterpret_cast<void*>(action_repr)},
                             {Py_tp_doc, const_cast<char*>("One thing a runner does next (spec 7).")}});
    m.add_object("Action", reinterpret_cast<PyObject*>(action_type));
    // Made from Python only by tests and tools: pybind11 parses its keywords.
    py::setattr(
        m.attr("Action"), "__new__",
        py::staticmethod(py::cpp_function(
            [](const py::object& /*cls*/, std::string_view kind, std::optional<double> until,
               std::optional<double> timeout, std::optional<double> delay, int attempt, int max_attempts,
               int attempts, std::optional<int> code, std::optional<std::string_view> error_class,
               std::optional<std::string_view> reason, double elapsed, bool attempted) {
                Action action;
                action.kind = value_of(kKinds, kind, "action");
                action.until = until;
                action.timeout = timeout;
                action.delay = delay;
                action.attempt = attempt;
                action.max_attempts = max_attempts;
                action.attempts = attempts;
                action.code = code;
                if (error_class) action.error_class = value_of(kClasses, *error_class, "error class");
                if (reason) action.reason = value_of(kReasons, *reason, "reason");
                action.elapsed = elapsed;
                action.attempted = attempted;
                return action;
            },
            py::name("__new__"), py::arg("cls"), py::arg("do"), py::kw_only(), py::arg("until") = py::none(),
            py::arg("timeout") = py::none(), py::arg("delay") = py::none(), py::arg("attempt") = 0,
            py::arg("max_attempts") = 0, py::arg("attempts") = 0, py::arg("code") = py::none(),
            py::arg("error_class") = py::none(), py::arg("reason") = py::none(), py::arg("elapsed") = 0.0,
            py::arg("attempted") = false)));

    call_type = make_type("connguard._native.Call", sizeof(CallObject),
                          {{Py_tp_new, reinterpret_cast<void*>(call_new)},
                           {Py_tp_dealloc, reinterpret_cast<void*>(call_dealloc)},
                           {Py_tp_methods, call_methods},
                           {Py_tp_getset, call_fields},
                           {Py_tp_doc, const_cast<char*>("One call (spec 7): Call(policy, seed, gated).")}});
    call_type->tp_vectorcall = call_vectorcall;
    m.add_object("Call", reinterpret_cast<PyObject*>(call_type));

    m.def("retry_line", &retry_line, py::arg("service"), py::arg("target"), py::arg("action"),
          py::arg("message"));
    m.def("give_up_summary", &give_up_summary, py::arg("service"), py::arg("target"), py::arg("action"));
    m.def("give_up_line", &give_up_line, py::arg("service"), py::arg("target"), py::arg("action"),
          py::arg("message"));
    m.def("queue_timeout_message", &queue_timeout_message, py::arg("target"), py::arg("waited"),
          py::arg("holding"), py::arg("limit"));
    m.def("mask_dsn", &mask_dsn, py::arg("text"));

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
