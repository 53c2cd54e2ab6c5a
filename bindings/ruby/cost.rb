#!/usr/bin/env ruby
# SPDX-License-Identifier: Apache-2.0
# The cost of publishing from Ruby, one line per way of calling otelctx:
#   NAME UPDATE_DETACH_NS ATTACH_RESTORE_NS
# ns per pair, median of RUNS runs of LOOPS pairs each, the bare loop's cost
# subtracted: "update + detach" with 2 attributes, and "attach a prepared
# record + restore". Rows: ruby-extension (bindings/ruby, built in BUILD_DIR)
# and fiddle (libotelctx.so of BUILD_DIR, no extension). Timing: not run by
# ctest; bench/runtimes_cost.sh makes the table.
#
# Usage: cost.rb BUILD_DIR  (with the ruby the build's extension is for)
require "fiddle"

RUNS = 7
LOOPS = 200_000
TRACE_ID = (1..16).to_a.pack("C*")
SPAN_ID = (1..8).to_a.pack("C*")

def now_ns
  Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
end

def median_ns
  runs = Array.new(RUNS) do
    start = now_ns
    yield LOOPS
    (now_ns - start).fdiv(LOOPS)
  end
  runs.sort[RUNS / 2]
end

# Median ns per iteration of the block, minus the same loop doing nothing.
def per_pair(&body)
  bare = median_ns do |loops|
    i = 0
    i += 1 while i < loops
  end
  median_ns(&body) - bare
end

def extension_row
  attrs = [[Otelctx.key_index("http.method"), "GET"], [Otelctx.key_index("http.route"), "/api/v1"]]
  record = Otelctx::Record.new(TRACE_ID, SPAN_ID, 1, attrs)
  update_detach = per_pair do |loops|
    i = 0
    while i < loops
      Otelctx.update(TRACE_ID, SPAN_ID, 1, attrs)
      Otelctx.detach
      i += 1
    end
  end
  attach_restore = per_pair do |loops|
    i = 0
    while i < loops
      Otelctx.attach(Otelctx.attach(record))
      i += 1
    end
  end
  [update_detach, attach_restore]
end

# libotelctx.so through Fiddle: otelctx_attr is {uint8_t key; const char *value; size_t len}.
def fiddle_row(library)
  lib = Fiddle.dlopen(library)
  fn = ->(name, args, ret) { Fiddle::Function.new(lib[name], args, ret) }
  ptr, int, size, uchar = Fiddle::TYPE_VOIDP, Fiddle::TYPE_INT, Fiddle::TYPE_SIZE_T, -Fiddle::TYPE_CHAR
  key_index = fn.call("otelctx_key_index", [ptr], int)
  update = fn.call("otelctx_update", [ptr, ptr, uchar, ptr, size], int)
  detach = fn.call("otelctx_detach", [], ptr)
  attach = fn.call("otelctx_attach", [ptr], ptr)
  record_new = fn.call("otelctx_record_new", [], ptr)
  record_set = fn.call("otelctx_record_set", [ptr, ptr, ptr, uchar, ptr, size], int)
  values = %w[GET /api/v1]
  keys = %w[http.method http.route].map { |k| key_index.call(k).tap { |r| raise "key #{k}: #{r}" if r.negative? } }
  attrs = keys.zip(values).map { |k, v| [k, Fiddle::Pointer[v].to_i, v.bytesize].pack("Cx7QQ") }.join
  # Pointers made once, as a binding would keep them: not a conversion per call.
  trace_id, span_id, attrs = [TRACE_ID, SPAN_ID, attrs].map { |bytes| Fiddle::Pointer[bytes] }
  record = record_new.call
  raise "otelctx_record_set failed" if record_set.call(record, trace_id, span_id, 1, attrs, 2).negative?
  # A call that fails returns early: the loop must time calls that publish.
  raise "otelctx_update failed" unless update.call(trace_id, span_id, 1, attrs, 2).zero?
  detach.call
  raise "otelctx_attach did not publish the record" unless attach.call(attach.call(record)) == record
  update_detach = per_pair do |loops|
    i = 0
    while i < loops
      update.call(trace_id, span_id, 1, attrs, 2)
      detach.call
      i += 1
    end
  end
  attach_restore = per_pair do |loops|
    i = 0
    while i < loops
      attach.call(attach.call(record))
      i += 1
    end
  end
  [update_detach, attach_restore]
end

abort "usage: cost.rb BUILD_DIR" unless ARGV.size == 1
build = File.expand_path(ARGV[0])
$LOAD_PATH.unshift(File.join(build, "bindings", "ruby"))
require "otelctx"
[["ruby-extension", extension_row], ["fiddle", fiddle_row(File.join(build, "libotelctx.so"))]].each do |name, (update_detach, attach_restore)|
  puts format("%s %.0f %.0f", name, update_detach, attach_restore)
end
