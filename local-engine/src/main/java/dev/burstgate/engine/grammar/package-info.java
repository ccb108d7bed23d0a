/**
 * Grammars for constrained sampling, written in llama.cpp's GBNF: JSON Schema to grammar
 * ({@link dev.burstgate.engine.grammar.JsonSchemaGrammar}), grammar building blocks
 * ({@link dev.burstgate.engine.grammar.Gbnf}) and the closing of JSON text cut short
 * ({@link dev.burstgate.engine.grammar.JsonCloser}). Pure Java: client input never reaches native code except as
 * escaped string literals inside a grammar this package wrote.
 */
@NullMarked
package dev.burstgate.engine.grammar;

import org.jspecify.annotations.NullMarked;
