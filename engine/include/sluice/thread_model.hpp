#pragma once
// The thread model: which thread calls each function of a component, what may block, and what
// outlives what. Comments only; it describes the engine as it runs (engine/src/runtime/engine.cpp
// and pipeline.cpp), and a change there must change this page. Threads named below:
//
//   main         the thread that runs `sluice run` (Engine::start, Engine::wait, teardown), or
//                the thread running a reload (below), for the pipelines that reload makes or ends
//   I/O          the threads running the pipeline's own io_context (Context::io): each pipeline
//                has one, with `engine.io_threads` threads, shared by its components only
//   pipeline     one per pipeline: batches from the pipeline's queue through transforms to sinks
//   dead-letter  one per pipeline with a dead-letter sink: writes to that sink
//   source's     any thread a source owns or uses to emit (an I/O thread, a consumer thread)
//   signal       the thread that turns SIGINT/SIGTERM into a stop request
//
// Every guarantee below holds per pipeline: a component's handlers run on its pipeline's
// io_context, which is stopped before any component of that pipeline is stopped or destroyed.
// Another pipeline's io_context (and its components) may run on meanwhile: on a reload, one
// pipeline is ended and another made while the rest run untouched.
//
// ORDER OF A RUN (one file, every pipeline)
//   1. Factories (constructors) run on main, one component at a time, before any thread of the
//      engine starts: the io_context is not running yet. A constructor reads its options and
//      may bind a socket (so a port in use is reported at its option), but should not start
//      threads, connect or query anything: that belongs in start(). A ConfigError thrown here is
//      reported at the option's place in the YAML file. The check step (`validate`, a static
//      member; sluice/validation.hpp) runs before any constructor, on main.
//   2. The I/O threads of every pipeline start.
//   3. For each pipeline on main: every Sink::start(), then every Transform::start() (in
//      pipeline order), then the pipeline thread starts.
//   4. For each pipeline on main: Source::start(emitter). From here events flow.
//   5. Stop request (signal thread, or main when a pipeline failed to start): Source::stop() on
//      that thread. The source calls Emitter::close() once it will emit nothing more; the
//      pipeline drains its queue, then on the pipeline thread calls Sink::flush(deadline) for
//      every sink and waits (until the shutdown deadline) for their Deliveries.
//   6. Teardown, on main, in this order:
//        a. every pipeline thread and dead-letter thread joined: no process() or write() runs
//           any more, and none will (emits after this are refused);
//        b. every pipeline's io_context stopped and its I/O threads joined: no handler runs any
//           more, and none will (handlers still queued are destroyed unrun, later, with it);
//        c. Transform::stop() on every transform whose start() returned;
//        d. sinks destroyed (a Delivery still pending fails its batch, and that nack reaches a
//           source that is still alive), then the dead-letter sink, then transforms, then the
//           source;
//        e. each pipeline's io_context destroyed, then the plugin libraries its components came
//           from unmapped (once nothing else holds them).
//      Within a reload the same steps run for the pipelines it ends (changed or removed), on the
//      reload's thread, while the other pipelines keep running:
//        - the pipelines of the new configuration are made (1) and started (2-4) first, while
//          the old ones still run: two instances of a changed pipeline run side by side for a
//          moment (two listeners on one port with SO_REUSEPORT; an inproc sink joins its channel
//          before the old one leaves), and a constructor must not assume it is the only one;
//        - then the old ones stop (5) and drain within `engine.shutdown_timeout`, and are torn
//          down (6a-6e) with their own io_context; pipelines the reload leaves alone are not
//          stopped, paused or called at all.
//      So every handler a component posted with `[this]` (a timer, an accept, a read) either ran
//      before (b) or never runs: no handler outlives the object it captured, and a destructor
//      need not wait for its handlers. Threads a component made itself are its own to join, in
//      stop() (transforms) or its destructor.
//
// SOURCE
//   start(out)  main, once (step 4). Return soon: produce from your own threads or the io_context.
//   stop()      signal thread, main or a reload's thread, once, never before or during start(): a stop asked for
//               while the engine is still starting (a transform's start() waiting for a broker)
//               is carried out once every source has started. It may come without start()
//               having run at all when a pipeline failed to start. Must not block for long.
//               Acks keep arriving after it.
//   ~Source     main, last of its pipeline, after the I/O threads are joined.
//   Emitter (out): every function thread-safe, from any thread, until Emitter::close().
//     try_emit never blocks; emit and dead_letter block until the queue has room (backpressure).
//     Either may run the transforms and sinks on the calling thread when the pipeline is idle.
//   AckFn: once per accepted emit, from whichever thread settled the last event (a pipeline,
//     I/O, sink or dead-letter thread, the emitting thread itself before emit returns, or main
//     in teardown, when what was still pending is failed).
//     Never block in it, and do not hold a lock across emit() that it takes.
//
// TRANSFORM
//   start()     main, once, before the first batch (step 3). May block briefly. Throwing fails
//               the pipeline.
//   process()   one call at a time, in batch order, each seeing what the previous wrote: on the
//               pipeline thread, or on a source's thread that emitted into an idle pipeline (so
//               possibly an I/O thread). Never block in it: no network round trip, no sleep.
//   stop()      main, once, after the last process() and after the I/O threads are joined (6c),
//               only when start() returned.
//   ~Transform  main, after stop().
//   Context::inject: thread-safe, from any thread (a transform's timer on an I/O thread, its
//     own thread); false when the queue is full or the pipeline is stopping.
//
// SINK
//   start()     main, once, before the first write (step 3).
//   write()     one call at a time, in batch order: the pipeline thread, a source's thread that
//               emitted into an idle pipeline, or (for a dead-letter sink) the dead-letter thread.
//               Hand the batch on and return; never wait for the destination here.
//   Delivery    answer exactly once, from any thread, whenever the destination answers. One
//               destroyed unanswered fails its batch.
//   flush(d)    the pipeline thread (for a dead-letter sink too), once, after the last write: deliver
//               what is pending before `d`. May block until `d`.
//   ready()     any thread, at any time between start() and destruction (an http /health).
//   ~Sink       main, after the I/O threads are joined (6d), before the source is destroyed.
//
// CONTEXT
//   Context (and its Logger) lives from before the constructor until after the destructor.
//   Context::io is valid as long as the component; it runs only between steps 2 and 6b. The
//   Logger is thread-safe.
