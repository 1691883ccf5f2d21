import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { buildChatMessages, buildChatPrompt } from "../../src/prompt/build-chat-prompt.js";
import { loadPromptSet } from "../../src/prompt/prompt-set.js";
import { renderChat } from "../../src/tokenizer/chat-template.js";

/** Qwen2.5-Instruct's chat template (tool branches shortened), as its tokenizer_config.json has it. */
const qwenTemplate = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.<|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

const question = "What is 17+25?";

describe("renderChat", () => {
  it("renders a Qwen-style template with its default system message", () => {
    expect(renderChat(qwenTemplate, [{ role: "user", content: question }], { eosToken: "<|im_end|>" })).toBe(
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
        `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`,
    );
  });

  it("passes bos and eos tokens and the generation prompt switch", () => {
    const template = "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";
    const messages = [{ role: "user", content: "hi" }] as const;
    expect(renderChat(template, messages, { bosToken: "<s>", eosToken: "</s>" })).toBe("<s>[user]hi</s>[assistant]");
    expect(renderChat(template, messages, { addGenerationPrompt: false })).toBe("[user]hi");
  });

  it("names the template's source when it cannot be parsed or raises", () => {
    expect(() => renderChat("{% if %}", [], { source: "models/x/tokenizer_config.json" })).toThrow(InputError);
    try {
      renderChat("{{ raise_exception('roles must alternate') }}", [], { source: "models/x/tokenizer_config.json" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ file: "models/x/tokenizer_config.json", field: "chat_template" });
      expect((error as Error).message).toContain("roles must alternate");
    }
  });
});

describe("chat prompts from a prompt set", () => {
  it("turns exemplars into user/assistant turns after the set's system message", async () => {
    const set = await loadPromptSet("gsm8k-8shot");
    const messages = buildChatMessages(set, question, { shots: 2 });
    expect(messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(messages[1]?.content).toBe(set.exemplars[0]?.question);
    expect(messages[2]?.content).toBe(set.exemplars[0]?.chain);
    expect(messages.at(-1)).toEqual({ role: "user", content: question });
  });

  it("renders the 8-shot set through the Qwen template, stopping at the end-of-turn token", async () => {
    const set = await loadPromptSet("gsm8k-8shot");
    const { text, stop } = buildChatPrompt(set, question, qwenTemplate, { eosToken: "<|im_end|>" });
    expect(text.startsWith(`<|im_start|>system\n${set.chat?.system ?? ""}<|im_end|>\n<|im_start|>user\n${set.exemplars[0]?.question}`)).toBe(true);
    expect(text.match(/<\|im_start\|>assistant\n/g)).toHaveLength(9);
    expect(text.endsWith(`<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
    expect(stop).toEqual(["<|im_end|>"]);
  });

  it("zero-shot chat for a set without a chat section: the bare question", async () => {
    const set = await loadPromptSet("shipped-zero-shot");
    expect(buildChatMessages(set, question)).toEqual([{ role: "user", content: question }]);
  });
});
