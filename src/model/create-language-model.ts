import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createDemoLanguageModel, type DemoModelOptions } from './demo-language-model.ts';

/** What the composition root knows about the model to use. */
export interface LanguageModelConfig {
  /** Base URL of an OpenAI-compatible API, including its version path (`https://…/v1`); unset picks the demo model. */
  openAiBaseUrl?: string;
  openAiApiKey?: string;
  /** Model id sent to the OpenAI-compatible API. */
  model: string;
  demo: DemoModelOptions;
}

/** The chosen model and a short description for the startup log (never containing secrets). */
export interface ConfiguredLanguageModel {
  model: LanguageModelV4;
  description: string;
  /** The built-in demo model: the composition root offers it its `demo_step` tool. */
  isDemo: boolean;
}

/** Picks the OpenAI-compatible provider when a base URL is configured, else the built-in demo model. */
export function createLanguageModel(config: LanguageModelConfig): ConfiguredLanguageModel {
  if (config.openAiBaseUrl === undefined || config.openAiBaseUrl === '') {
    return { model: createDemoLanguageModel(config.demo), description: 'demo model', isDemo: true };
  }
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: config.openAiBaseUrl,
    apiKey: config.openAiApiKey,
    includeUsage: true,
  });
  return {
    model: provider.chatModel(config.model),
    description: `${config.model} at ${withoutCredentials(config.openAiBaseUrl)}`,
    isDemo: false,
  };
}

function withoutCredentials(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
