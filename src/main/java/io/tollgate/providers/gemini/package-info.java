/** Google's Gemini {@code generateContent} API as an upstream a chat completion is sent to. */
package io.tollgate.providers.gemini;
