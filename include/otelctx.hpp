/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx.hpp: a header-only C++17 layer over otelctx.h.
 *
 *   otelctx::record         an owned record (otelctx_record_new/_free),
 *                           move-only; freeing it detaches it first if it
 *                           is the calling thread's current record
 *   otelctx::scoped_attach  publishes a record on the calling thread and
 *                           puts back the previous one when it ends (one
 *                           swap each way: guards nest like spans)
 *   otelctx::attr           a key index and a std::string_view value
 *   otelctx::key_index      registers a key name (std::string_view)
 *
 * Nothing here allocates on the hot path (up to 8 attributes per call go
 * through a stack array) or throws, except record's constructor
 * (std::bad_alloc). Errors are the C library's negative errno values;
 * otelctx_strerror() names them. Linked against the bitcode archive with
 * ThinLTO, every call here inlines into the caller, as the C calls do.
 */
#ifndef OTELCTX_HPP
#define OTELCTX_HPP

#include <cerrno>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otelctx.h"

namespace otelctx {

/* One attribute: a registered key index and a UTF-8 value (<= 255 bytes). */
struct attr {
    uint8_t key;
    std::string_view value;
};

/* The index of key name (registered on first use), or a negative errno. */
inline int key_index(std::string_view name)
{
    return otelctx_key_index(std::string(name).c_str());
}

namespace detail {
/* Calls f(const otelctx_attr *, size_t) with attrs as a C array; its result. */
template <typename F>
inline auto with_c_attrs(std::initializer_list<attr> attrs, F f)
{
    constexpr std::size_t inline_max = 8;
    auto fill = [&attrs](otelctx_attr *out) {
        for (const attr &a : attrs)
            *out++ = otelctx_attr{a.key, a.value.data(), a.value.size()};
    };
    if (attrs.size() <= inline_max) {
        otelctx_attr buf[inline_max];
        fill(buf);
        return f(buf, attrs.size());
    }
    std::vector<otelctx_attr> buf(attrs.size());
    fill(buf.data());
    return f(buf.data(), buf.size());
}
} // namespace detail

/* A prepared attribute set (otelctx_attrset_new()): checked and encoded
 * once, then only read, from any thread. */
class attrset {
  public:
    explicit attrset(std::initializer_list<attr> attrs)
    {
        int left_out = 0;
        s_ = detail::with_c_attrs(attrs, [&](const otelctx_attr *a, std::size_t n) {
            return otelctx_attrset_new(a, n, &left_out);
        });
        if (s_ == nullptr)
            throw std::bad_alloc();
        left_out_ = left_out;
    }
    ~attrset() { otelctx_attrset_free(s_); }
    attrset(attrset &&other) noexcept
        : s_(std::exchange(other.s_, nullptr)), left_out_(other.left_out_) {}
    attrset &operator=(attrset &&other) noexcept
    {
        if (this != &other) {
            otelctx_attrset_free(s_);
            s_ = std::exchange(other.s_, nullptr);
            left_out_ = other.left_out_;
        }
        return *this;
    }
    attrset(const attrset &) = delete;
    attrset &operator=(const attrset &) = delete;

    /* How many attributes were left out, as otelctx_record_set() counts them. */
    int left_out() const noexcept { return left_out_; }
    const otelctx_attrset *get() const noexcept { return s_; }

  private:
    otelctx_attrset *s_;
    int left_out_ = 0;
};

/* otelctx_update_attrset(): the attached record (or the thread's own) with
 * these ids and the set's attributes. */
inline int update(const uint8_t (&trace_id)[16], const uint8_t (&span_id)[8],
                  uint8_t trace_flags, const attrset &set) noexcept
{
    return otelctx_update_attrset(trace_id, span_id, trace_flags, set.get());
}

/* An owned 640-byte record: valid, no trace, no attributes when created. */
class record {
  public:
    record() : r_(otelctx_record_new())
    {
        if (r_ == nullptr)
            throw std::bad_alloc();
    }
    ~record() { reset(); }
    record(record &&other) noexcept : r_(std::exchange(other.r_, nullptr)) {}
    record &operator=(record &&other) noexcept
    {
        if (this != &other) {
            reset();
            r_ = std::exchange(other.r_, nullptr);
        }
        return *this;
    }
    record(const record &) = delete;
    record &operator=(const record &) = delete;

    /* otelctx_record_set(): attributes left out (>= 0), or -EINVAL (or
     * -EBUSY, from a signal handler that interrupted another writer of the
     * thread) with the record unchanged. Safe on the calling thread's
     * attached record. */
    int set(const uint8_t (&trace_id)[16], const uint8_t (&span_id)[8], uint8_t trace_flags,
            std::initializer_list<attr> attrs = {}) noexcept
    {
        return detail::with_c_attrs(attrs, [&](const otelctx_attr *a, std::size_t n) {
            return otelctx_record_set(r_, trace_id, span_id, trace_flags, a, n);
        });
    }

    /* otelctx_record_set_attrset(): the same with a prepared set. */
    int set(const uint8_t (&trace_id)[16], const uint8_t (&span_id)[8], uint8_t trace_flags,
            const attrset &attrs) noexcept
    {
        return otelctx_record_set_attrset(r_, trace_id, span_id, trace_flags, attrs.get());
    }

    /* A valid record without trace (zero ids), only attributes. */
    int set_attrs_only(std::initializer_list<attr> attrs) noexcept
    {
        return detail::with_c_attrs(attrs, [&](const otelctx_attr *a, std::size_t n) {
            return otelctx_record_set(r_, nullptr, nullptr, 0, a, n);
        });
    }

    /* valid = 0 until the next set(). */
    int invalidate() noexcept { return otelctx_record_invalidate(r_); }

    otelctx_record *get() const noexcept { return r_; }

  private:
    void reset() noexcept
    {
        if (r_ != nullptr) {
            otelctx_detach_if(r_);
            otelctx_record_free(r_);
            r_ = nullptr;
        }
    }
    otelctx_record *r_;
};

/*
 * Publishes r on the calling thread for the guard's lifetime. Partial
 * updates write only while r is still the current record (a later guard may
 * have replaced it) and return -ENOENT otherwise.
 */
class scoped_attach {
  public:
    explicit scoped_attach(record &r) noexcept : r_(r.get()), previous_(otelctx_attach(r_)) {}
    ~scoped_attach()
    {
        // Put the previous record back only if ours is still published.
        if (otelctx_detach_if(r_) == r_)
            otelctx_attach(previous_);
    }
    scoped_attach(const scoped_attach &) = delete;
    scoped_attach &operator=(const scoped_attach &) = delete;

    /* A child span: the span id only (otelctx_update_span()). */
    int update_span(const uint8_t (&span_id)[8]) noexcept
    {
        return current() ? otelctx_update_span(span_id) : -ENOENT;
    }

    /* The sampling decision, the trace flags only (otelctx_update_flags()). */
    int update_flags(uint8_t trace_flags) noexcept
    {
        return current() ? otelctx_update_flags(trace_flags) : -ENOENT;
    }

    /* Appends one attribute: 0 appended, 1 left out, or a negative errno. */
    int push(attr a) noexcept
    {
        const otelctx_attr c{a.key, a.value.data(), a.value.size()};
        return current() ? otelctx_attr_push(&c) : -ENOENT;
    }

    /* Removes the last n attributes; returns how many were removed. */
    int pop(std::size_t n) noexcept { return current() ? otelctx_attr_pop(n) : -ENOENT; }

    /* The record that was published before this guard. */
    otelctx_record *previous() const noexcept { return previous_; }

  private:
    bool current() const noexcept { return otelctx_current() == r_; }
    otelctx_record *r_;
    otelctx_record *previous_;
};

} // namespace otelctx

#endif /* OTELCTX_HPP */
