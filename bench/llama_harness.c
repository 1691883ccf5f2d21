// llama.cpp at its best, for bench/llama-peer.ts: the libllama that node-llama-cpp ships, called from
// the main thread of a small C program (no libuv worker threads in between, ggml's own threadpool).
//
//   llama_harness GGUF PROMPT_IDS K NEW_TOKENS THREADS FLASH(0|1) KV(f16|f32) REPEATS [GREEDY(0|1)]
//
// PROMPT_IDS: comma-separated token ids (cot-sc's tokenizer: llama.cpp is never handed text). One
// prefill of the prompt as sequence 0, its cache copied to sequences 1..K-1 (one unified cache: the prompt's
// cells are shared, not recomputed), then NEW_TOKENS decode steps of one token per sequence in one batch,
// each sequence sampling from its own logits (temperature 1, llama.cpp's dist sampler, a seed per
// sequence; GREEDY=1: argmax), each step sampling then one llama_decode of the K new tokens. Prefill and
// decode are timed apart; the best of REPEATS runs is kept (after one warm-up run).
// Prints one JSON object: {"prefillMs", "decodeMs", "decodeTokensPerSecond", "ids": [sequence 0's ids]}.
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void quiet(enum ggml_log_level level, const char *text, void *data) {
  (void)data;
  if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static bool no_progress(float progress, void *data) {
  (void)progress, (void)data;
  return true;
}

static int fail(const char *what) {
  fprintf(stderr, "llama_harness: %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 9) return fail("usage: llama_harness GGUF PROMPT_IDS K NEW_TOKENS THREADS FLASH KV REPEATS [GREEDY]");
  const char *path = argv[1];
  const int k = atoi(argv[3]), new_tokens = atoi(argv[4]), threads = atoi(argv[5]), flash = atoi(argv[6]);
  const enum ggml_type kv = strcmp(argv[7], "f32") == 0 ? GGML_TYPE_F32 : GGML_TYPE_F16;
  const int repeats = atoi(argv[8]), greedy = argc > 9 && atoi(argv[9]) == 1;

  // the prompt ids
  int n_prompt = 1;
  for (const char *c = argv[2]; *c; c++) n_prompt += *c == ',';
  llama_token *prompt = malloc(sizeof(llama_token) * n_prompt);
  {
    char *ids = strdup(argv[2]);
    int i = 0;
    for (char *tok = strtok(ids, ","); tok; tok = strtok(NULL, ",")) prompt[i++] = atoi(tok);
    n_prompt = i;
    free(ids);
  }

  llama_log_set(quiet, NULL);
  // the CPU variants (libggml-cpu-*.so) sit beside libllama; the best one this CPU runs is chosen
  const char *dir = getenv("LLAMA_HARNESS_LIBS");
  if (dir) ggml_backend_load_all_from_path(dir);
  else ggml_backend_load_all();
  llama_backend_init();

  struct llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  mp.progress_callback = no_progress; // the default prints dots to stderr
  struct llama_model *model = llama_model_load_from_file(path, mp);
  if (!model) return fail("cannot load the GGUF file");

  struct llama_context_params cp = llama_context_default_params();
  cp.n_ctx = (uint32_t)(n_prompt + k * (new_tokens + 1) + 64);
  cp.n_batch = cp.n_ubatch = (uint32_t)(n_prompt > k ? n_prompt : k);
  cp.n_seq_max = (uint32_t)k;
  cp.n_threads = cp.n_threads_batch = threads;
  cp.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.type_k = cp.type_v = kv;
  cp.kv_unified = true; // one buffer for all sequences: the copied prompt is shared, as cot-sc shares it
  cp.no_perf = true;
  struct llama_context *ctx = llama_init_from_model(model, cp);
  if (!ctx) return fail("cannot create the context");

  struct llama_sampler **samplers = malloc(sizeof(*samplers) * k);
  struct llama_batch batch = llama_batch_init(n_prompt > k ? n_prompt : k, 0, k);
  llama_token *ids = malloc(sizeof(llama_token) * (new_tokens > 0 ? new_tokens : 1));
  double best_prefill = 1e300, best_decode = 1e300;

  for (int r = 0; r <= repeats; r++) { // run 0 is the warm-up
    llama_memory_clear(llama_get_memory(ctx), true);
    for (int s = 0; s < k; s++) {
      samplers[s] = llama_sampler_chain_init(llama_sampler_chain_default_params());
      llama_sampler_chain_add(samplers[s], greedy ? llama_sampler_init_greedy() : llama_sampler_init_dist(1234u + (uint32_t)s));
    }
    double t0 = now_ms();
    batch.n_tokens = n_prompt;
    for (int i = 0; i < n_prompt; i++) {
      batch.token[i] = prompt[i];
      batch.pos[i] = i;
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = i == n_prompt - 1;
    }
    if (llama_decode(ctx, batch) != 0) return fail("prefill failed");
    for (int s = 1; s < k; s++) llama_memory_seq_cp(llama_get_memory(ctx), 0, s, -1, -1);
    llama_synchronize(ctx);
    double t1 = now_ms();

    for (int step = 0; step < new_tokens; step++) {
      batch.n_tokens = k;
      for (int s = 0; s < k; s++) {
        // the first token of every sequence comes from the prompt's logits (the prefill's last output)
        llama_token token = llama_sampler_sample(samplers[s], ctx, step == 0 ? -1 : s);
        if (s == 0) ids[step] = token;
        batch.token[s] = token;
        batch.pos[s] = n_prompt + step;
        batch.n_seq_id[s] = 1;
        batch.seq_id[s][0] = s;
        batch.logits[s] = 1;
      }
      // as the other engines are timed: NEW_TOKENS forward passes of one token a sequence
      if (llama_decode(ctx, batch) != 0) return fail("decode failed");
    }
    llama_synchronize(ctx);
    double t2 = now_ms();
    for (int s = 0; s < k; s++) llama_sampler_free(samplers[s]);
    if (r > 0) {
      if (t1 - t0 < best_prefill) best_prefill = t1 - t0;
      if (t2 - t1 < best_decode) best_decode = t2 - t1;
    }
  }

  printf("{\"prefillMs\": %.3f, \"decodeMs\": %.3f, \"decodeTokensPerSecond\": %.1f, \"ids\": [", best_prefill, best_decode,
         (double)k * new_tokens / (best_decode / 1e3));
  for (int i = 0; i < new_tokens; i++) printf("%s%d", i ? "," : "", ids[i]);
  printf("]}\n");
  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  free(samplers);
  free(ids);
  free(prompt);
  return 0;
}
