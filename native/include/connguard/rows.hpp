// The rows of a result set, read one at a time as strings.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace connguard {

// One value per column; SQL NULL is nullopt.
using Row = std::vector<std::optional<std::string>>;

// Move-only, single pass: `for (const Row& row : rows)`. It reads through the
// connection or statement that produced it, so it must not outlive them.
class Rows {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Row;
        using difference_type = std::ptrdiff_t;
        using pointer = const Row*;
        using reference = const Row&;

        iterator() = default;
        reference operator*() const { return row_; }
        pointer operator->() const { return &row_; }
        iterator& operator++();
        bool operator==(const iterator& other) const { return rows_ == other.rows_; }
        bool operator!=(const iterator& other) const { return rows_ != other.rows_; }

    private:
        friend class Rows;
        explicit iterator(Rows* rows);

        Rows* rows_ = nullptr;  // nullptr = end
        Row row_;
    };

    // Fills its argument with the next row; false after the last one. Throws
    // QueryError when reading fails.
    using Fetch = std::function<bool(Row&)>;

    Rows() = default;  // no result set: no columns, no rows
    Rows(std::vector<std::string> columns, Fetch fetch);
    Rows(Rows&&) noexcept = default;
    Rows& operator=(Rows&&) noexcept = default;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;

    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }
    const std::vector<std::string>& columns() const noexcept { return columns_; }

private:
    std::vector<std::string> columns_;
    Fetch fetch_;
};

}  // namespace connguard
