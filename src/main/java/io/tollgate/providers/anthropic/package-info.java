/** Anthropic's Messages API: as an upstream a chat completion is sent to, and as a dialect clients call the gateway in. */
package io.tollgate.providers.anthropic;
