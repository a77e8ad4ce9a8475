/**
 * From files to batches: IDX files are memory-mapped ({@code .gz} decompressed once into a cache), a
 * {@link dev.gatun.data.DataSet} is a view of their rows (subsets and splits copy nothing), and
 * {@link dev.gatun.data.Batches} gathers shuffled mini-batches into reused float32 buffers with the
 * {@link dev.gatun.data.Normalization} and any augmentation applied in the same pass. Bad files are a
 * {@link dev.gatun.data.DataFileException} naming the file and the field.
 */
package dev.gatun.data;
