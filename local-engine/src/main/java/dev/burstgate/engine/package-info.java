/** The embedded llama.cpp engine. */
package dev.burstgate.engine;
