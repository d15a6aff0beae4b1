// The service's own exception hierarchy, which adopting connguard leaves as it
// is: mirrors components/core/src/clp/TraceableException.hpp and ErrorCode.hpp
// of y-scope/clp (trimmed to what the example throws).
#pragma once

#include <exception>

namespace clp {

enum ErrorCode {
    ErrorCode_Success = 0,
    ErrorCode_NotInit,
    ErrorCode_NotReady,
    ErrorCode_OutOfBounds,
    ErrorCode_Failure
};

class TraceableException : public std::exception {
public:
    TraceableException(ErrorCode error_code, char const* filename, int line_number)
        : m_error_code(error_code), m_filename(filename), m_line_number(line_number) {}

    ErrorCode get_error_code() const { return m_error_code; }
    char const* get_filename() const { return m_filename; }
    int get_line_number() const { return m_line_number; }
    char const* what() const noexcept override = 0;

private:
    ErrorCode m_error_code;
    char const* m_filename;
    int m_line_number;
};

}  // namespace clp
