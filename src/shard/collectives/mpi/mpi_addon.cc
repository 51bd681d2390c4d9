// A thin Node-API binding over Open MPI: init, non-blocking collectives on MPI_COMM_WORLD, polling, abort, finalize.
// Reductions are not done here: the TypeScript engine sums in a fixed order so results do not depend on MPI's algorithm.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#include <napi.h>
#include <sched.h>
#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>

namespace {

std::unordered_map<uint32_t, MPI_Request> pending;
uint32_t nextId = 1;

std::string mpiMessage(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

// Throws a JS error naming the MPI call when `code` is not MPI_SUCCESS; returns false then.
bool check(Napi::Env env, int code, const char* call) {
  if (code == MPI_SUCCESS) return true;
  Napi::Error::New(env, std::string(call) + " failed: " + mpiMessage(code)).ThrowAsJavaScriptException();
  return false;
}

Napi::Value track(Napi::Env env, MPI_Request request) {
  uint32_t id = nextId++;
  pending[id] = request;
  return Napi::Number::New(env, id);
}

Napi::Float32Array floats(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Float32Array>(); }

const char* envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// Ends the process with a message unless disarmed within `ms`: MPI_Init and the join barrier block the only JS thread,
// so no timer there could fire while a rank that never starts keeps the others waiting.
class JoinWatchdog {
 public:
  explicit JoinWatchdog(double ms) : thread_([this, ms] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::duration<double, std::milli>(ms), [this] { return done_; })) return;
    std::string line = std::string("error: rank ") + envOr("OMPI_COMM_WORLD_RANK", "?") + " of " + envOr("OMPI_COMM_WORLD_SIZE", "?") +
                       ": not every rank joined the MPI job within " + std::to_string(static_cast<long long>(ms)) +
                       " ms (a rank did not start, or hangs before MPI_Init); giving up\n";
    ssize_t ignored = write(2, line.data(), line.size());
    (void)ignored;
    _exit(1);
  }) {}
  ~JoinWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// init(joinTimeoutMs): MPI_Init, then a barrier, so every rank of the job has started before anything else happens
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double joinMs = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 60000;
  int rank = 0, size = 0;
  {
    JoinWatchdog watchdog(joinMs);
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      if (!check(env, MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread")) return env.Null();
    }
    // errors come back as codes (thrown to JS) instead of aborting the process without a word
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (!check(env, MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier (join)")) return env.Null();
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Napi::Object out = Napi::Object::New(env);
  out.Set("rank", rank);
  out.Set("size", size);
  return out;
}

// iallgather(send, recv): recv.length === send.length * size
Napi::Value Iallgather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto send = floats(info, 0), recv = floats(info, 1);
  MPI_Request request;
  if (!check(env, MPI_Iallgather(send.Data(), (int)send.ElementLength(), MPI_FLOAT, recv.Data(), (int)send.ElementLength(), MPI_FLOAT, MPI_COMM_WORLD, &request), "MPI_Iallgather")) return env.Null();
  return track(env, request);
}

// ialltoall(send, recv): both hold size blocks of `block` floats; block j of send goes to rank j
Napi::Value Ialltoall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto send = floats(info, 0), recv = floats(info, 1);
  int block = info[2].As<Napi::Number>().Int32Value();
  MPI_Request request;
  if (!check(env, MPI_Ialltoall(send.Data(), block, MPI_FLOAT, recv.Data(), block, MPI_FLOAT, MPI_COMM_WORLD, &request), "MPI_Ialltoall")) return env.Null();
  return track(env, request);
}

// iallreduceSum(send, recv): MPI_SUM in MPI's own order; only for benchmarks of raw MPI, never for graft's sums
Napi::Value IallreduceSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto send = floats(info, 0), recv = floats(info, 1);
  MPI_Request request;
  if (!check(env, MPI_Iallreduce(send.Data(), recv.Data(), (int)send.ElementLength(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request), "MPI_Iallreduce")) return env.Null();
  return track(env, request);
}

// ireduceScatterSum(send, recv): MPI_Reduce_scatter_block with MPI_SUM, recv.length === send.length / size; benchmarks only
Napi::Value IreduceScatterSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto send = floats(info, 0), recv = floats(info, 1);
  MPI_Request request;
  if (!check(env, MPI_Ireduce_scatter_block(send.Data(), recv.Data(), (int)recv.ElementLength(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request), "MPI_Ireduce_scatter_block")) return env.Null();
  return track(env, request);
}

// ibcast(buffer, root): in place
Napi::Value Ibcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto buffer = floats(info, 0);
  int root = info[1].As<Napi::Number>().Int32Value();
  MPI_Request request;
  if (!check(env, MPI_Ibcast(buffer.Data(), (int)buffer.ElementLength(), MPI_FLOAT, root, MPI_COMM_WORLD, &request), "MPI_Ibcast")) return env.Null();
  return track(env, request);
}

Napi::Value Ibarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Request request;
  if (!check(env, MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier")) return env.Null();
  return track(env, request);
}

// testFor(id, micros): MPI_Test (which drives progress) until done or `micros` pass, yielding the core between tries
Napi::Value TestFor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  double micros = info[1].As<Napi::Number>().DoubleValue();
  auto found = pending.find(id);
  if (found == pending.end()) {
    Napi::Error::New(env, "no pending MPI request " + std::to_string(id)).ThrowAsJavaScriptException();
    return env.Null();
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(micros);
  int done = 0;
  while (true) {
    int code = MPI_Test(&found->second, &done, MPI_STATUS_IGNORE);
    if (code != MPI_SUCCESS) {
      pending.erase(found);
      check(env, code, "MPI_Test");
      return env.Null();
    }
    if (done || std::chrono::steady_clock::now() >= until) break;
    sched_yield();
  }
  if (done) pending.erase(found);
  return Napi::Boolean::New(env, done != 0);
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  MPI_Abort(MPI_COMM_WORLD, info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) check(info.Env(), MPI_Finalize(), "MPI_Finalize");
  return info.Env().Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  return Napi::String::New(info.Env(), std::string(text, length));
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("iallgather", Napi::Function::New(env, Iallgather));
  exports.Set("ialltoall", Napi::Function::New(env, Ialltoall));
  exports.Set("iallreduceSum", Napi::Function::New(env, IallreduceSum));
  exports.Set("ireduceScatterSum", Napi::Function::New(env, IreduceScatterSum));
  exports.Set("ibcast", Napi::Function::New(env, Ibcast));
  exports.Set("ibarrier", Napi::Function::New(env, Ibarrier));
  exports.Set("testFor", Napi::Function::New(env, TestFor));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("version", Napi::Function::New(env, Version));
  return exports;
}

}  // namespace

NODE_API_MODULE(graft_mpi, Module)
