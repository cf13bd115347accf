// The official @anthropic-ai/sdk (the version package-lock.json pins), unchanged but for its base URL and key,
// against a running gateway. Usage: node script.mjs BASE_URL KEY [CHECK...]
// Runs every check (or the ones named) and prints one JSON object with what each saw; exits 1 when a call
// the gateway should serve failed. AnthropicNodeSdkTest judges the output.
import Anthropic from '@anthropic-ai/sdk';

const [baseURL, apiKey, ...only] = process.argv.slice(2);
if (!baseURL || !apiKey) {
  console.error('usage: node script.mjs BASE_URL KEY [CHECK...]');
  process.exit(2);
}

// retries off, so an error case answers with its first response instead of after the SDK's backoff
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

const lookup = {
  name: 'lookup',
  description: 'Looks a word up',
  input_schema: { type: 'object', properties: { word: { type: 'string' } } },
};

function message(model, extra = {}) {
  return {
    model,
    max_tokens: 6,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Say something short.' }],
    ...extra,
  };
}

/** The parts of a message the test reads. */
function summary(m) {
  const text = m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  const tool = m.content.find((b) => b.type === 'tool_use');
  return {
    id: m.id,
    model: m.model,
    role: m.role,
    stop_reason: m.stop_reason,
    words: text.trim() === '' ? 0 : text.trim().split(/\s+/).length,
    tool: tool ? { id: tool.id, name: tool.name, input: tool.input } : null,
    input_tokens: m.usage.input_tokens,
    output_tokens: m.usage.output_tokens,
  };
}

/** A stream through the SDK's helper: its events in order and the message it accumulated. */
async function streamed(params) {
  const stream = client.messages.stream(params);
  const events = [];
  for await (const event of stream) {
    events.push(event.type);
  }
  return { events, message: summary(await stream.finalMessage()) };
}

/** The raw event stream, as create({stream: true}) gives it. */
async function raw(params) {
  const stream = await client.messages.create({ ...params, stream: true });
  const events = [];
  let text = '';
  for await (const event of stream) {
    events.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      text += event.delta.text;
    }
  }
  return { events, words: text.trim().split(/\s+/).length };
}

async function refusal(call) {
  try {
    await call();
    return { error: null };
  } catch (e) {
    return { error: e.constructor.name, status: e.status ?? null, type: e.error?.error?.type ?? null };
  }
}

const checks = {
  messages: async () => ({
    anthropic_leg: summary(await client.messages.create(message('claude-a'))),
    openai_leg: summary(await client.messages.create(message('chat-a'))),
  }),
  streaming: async () => {
    const out = {};
    for (const model of ['claude-a', 'chat-a', 'gem-a']) {
      out[model] = { helper: await streamed(message(model)), raw: await raw(message(model)) };
    }
    return out;
  },
  tools: async () => {
    const out = {};
    for (const model of ['claude-a', 'chat-a']) {
      const params = message(model, { max_tokens: 100, tools: [lookup], tool_choice: { type: 'any' } });
      out[model] = { whole: summary(await client.messages.create(params)), streamed: (await streamed(params)).message };
    }
    return out;
  },
  count_tokens: async () => ({
    input_tokens: (await client.messages.countTokens({
      model: 'claude-a',
      messages: [{ role: 'user', content: 'one two three four five' }],
    })).input_tokens,
  }),
  errors: async () => ({
    bad_key: await refusal(() => new Anthropic({ baseURL, apiKey: 'tg-not-a-key-at-all-000000000000', maxRetries: 0 })
      .messages.create(message('claude-a'))),
    too_many_tokens: await refusal(() => client.messages.create(message('chat-a', { max_tokens: 1_000_000 }))),
  }),
};

const results = {};
let failed = false;
for (const [name, check] of Object.entries(checks)) {
  if (only.length > 0 && !only.includes(name)) {
    continue;
  }
  try {
    results[name] = await check();
  } catch (e) {
    failed = true;
    results[name] = { failed: `${e.constructor.name}: ${e.message}` };
  }
}
console.log(JSON.stringify(results));
process.exit(failed ? 1 : 0);
