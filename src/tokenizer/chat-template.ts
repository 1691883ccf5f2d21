import { Template } from "@huggingface/jinja";
import { InputError } from "../errors.js";

/** One chat turn. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface RenderChatOptions {
  bosToken?: string;
  eosToken?: string;
  /** End with the opening of an assistant turn, so the model answers next. Default true. */
  addGenerationPrompt?: boolean;
  /** Where the template came from (e.g. ".../tokenizer_config.json"), to name it in errors. */
  source?: string;
}

/**
 * Renders chat messages through a model's Jinja chat template (the `chat_template` of its
 * tokenizer_config.json). The caller reads the template; this module never touches model files.
 *
 * @example
 * renderChat(config.chat_template, [{ role: "user", content: "What is 17+25?" }], { eosToken: "<|im_end|>" });
 * // "<|im_start|>system\n...<|im_end|>\n<|im_start|>user\nWhat is 17+25?<|im_end|>\n<|im_start|>assistant\n"
 */
export function renderChat(template: string, messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  const source = options.source ?? "chat template";
  let compiled: Template;
  try {
    compiled = new Template(template);
  } catch (error) {
    throw new InputError(`cannot parse chat template: ${error instanceof Error ? error.message : String(error)}`, source, undefined, "chat_template", {
      cause: error,
    });
  }
  try {
    return compiled.render({
      messages: messages.map((message) => ({ ...message })),
      bos_token: options.bosToken ?? "",
      eos_token: options.eosToken ?? "",
      add_generation_prompt: options.addGenerationPrompt ?? true,
    });
  } catch (error) {
    // Why InputError: templates raise on inputs they refuse (e.g. "roles must alternate"); that is about the template's file.
    throw new InputError(`chat template failed: ${error instanceof Error ? error.message : String(error)}`, source, undefined, "chat_template", {
      cause: error,
    });
  }
}
