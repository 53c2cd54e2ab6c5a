# SPDX-License-Identifier: Apache-2.0
# runtime_ruby's writer (read by bindings/runtime_reader.py): Ruby threads
# that each attach a record, and fibers on the main thread that each attach
# their own and interleave. At each checkpoint it states every record a
# reader must see and blocks (a blocking read: no fiber switch, so the
# running fiber's record stays up) inside the fiber whose record must be up,
# or in the root fiber between resumes, where the main record is back.
require "json"
require "otelctx"

# --naive: the binding without its switch hook (runtime_ruby_naive shows
# what a reader then sees).
Otelctx::FIBER_SWITCH_HOOK.disable if ARGV == ["--naive"]

THREADS = 3
FIBERS = 3
INTERLEAVE = 3 # rounds of resumes between checkpoints, so every fiber runs in between

WORKER = Otelctx.key_index("runtime.worker")
KIND = Otelctx.key_index("runtime.kind")

# The ids, flags and attributes of record n, for the binding and as the
# reader will state them.
def published(n, kind, flags = 1)
  trace_id = [0xC0, n, *(2..15)].pack("C*")
  span_id = [0x5A, n, *(2..7)].pack("C*")
  stated = { "trace_id" => trace_id.unpack1("H*"), "span_id" => span_id.unpack1("H*"),
             "trace_flags" => flags,
             "attributes" => { "runtime.worker" => "#{kind}-#{n}", "runtime.kind" => kind } }
  [[trace_id, span_id, flags, [[WORKER, "#{kind}-#{n}"], [KIND, kind]]], stated]
end

$threads_stated = {}

def checkpoint(main_stated)
  $threads_stated.merge(Thread.main.native_thread_id => main_stated).each do |tid, stated|
    puts "expect #{JSON.generate({ "tid" => tid }.merge(stated))}"
  end
  puts "ready"
  $stdout.flush
  abort "runtime_writer: the reader went away" unless $stdin.gets == "go\n"
end

def os_thread(n, attached, stop)
  args, stated = published(n, "thread")
  Otelctx.attach(Otelctx::Record.new(*args)) do
    attached.push([Thread.current.native_thread_id, stated])
    stop.pop
  end
end

def fiber(n, main_stated)
  args, stated = published(n, "fiber")
  Otelctx.attach(Otelctx::Record.new(*args))
  nil until Fiber.yield == n # the others run while this one waits for its turn
  checkpoint(stated)
  if n == 1
    Otelctx.update_flags(0) # the sampling decision: this fiber's record only
    stated = stated.merge("trace_flags" => 0)
  end
  span_args, span_stated = published(10 + n, "span")
  Otelctx.attach(Otelctx::Record.new(*span_args)) do
    Fiber.yield # the span's record follows the fiber
    checkpoint(span_stated)
  end
  Fiber.yield
  checkpoint(stated)
end

def resume_others(fibers, turn)
  INTERLEAVE.times { fibers.each_with_index { |f, i| f.resume(-1) if i != turn && f.alive? } }
end

attached, stop = Queue.new, Queue.new
workers = (0...THREADS).map { |n| Thread.new { os_thread(n, attached, stop) } }
THREADS.times { $threads_stated.store(*attached.pop) }
main_args, main_stated = published(0, "main")
Otelctx.attach(Otelctx::Record.new(*main_args)) do
  fibers = (0...FIBERS).map { |n| Fiber.new { fiber(n, main_stated) } }
  fibers.each(&:resume) # each attaches its record and waits for its turn
  FIBERS.times do |turn|
    resume_others(fibers, turn)
    fibers[turn].resume(turn) # its checkpoint, then it yields inside its span
    resume_others(fibers, turn)
    checkpoint(main_stated) # the root fiber, between resumes
    fibers[turn].resume(-1) # the span's checkpoint; the span ends; it yields
    resume_others(fibers, turn)
    fibers[turn].resume(-1) # its own record again after the span
  end
end
THREADS.times { stop.push(nil) }
workers.each(&:join)
