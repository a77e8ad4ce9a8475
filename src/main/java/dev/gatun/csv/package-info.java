/**
 * How Gatun reads CSV text: {@link dev.gatun.csv.CsvFormat} splits a file's lines into cells (delimiter, quotes,
 * decimal commas, the header line, decided from the first line) and {@link dev.gatun.csv.MaybeGzipped} opens a text
 * input whether it is gzipped or not. The data loader's {@code CsvReader} and the command line's {@code predict}
 * read with the same rules, so a file that trains also predicts. Not exported: a program hands Gatun a path or
 * arrays, never cells.
 */
package dev.gatun.csv;
