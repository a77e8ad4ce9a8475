/**
 * From files and arrays to batches: IDX files are memory-mapped ({@code .gz} decompressed once into a cache); CSV
 * tables are parsed once, streaming, into a cache file of float32 rows that is mapped the same way
 * ({@link dev.gatun.data.CsvReader}); Java arrays are copied off-heap ({@link dev.gatun.data.Table}). A
 * {@link dev.gatun.data.DataSet} is a view of stored rows with class labels or real-valued targets (subsets and
 * splits copy nothing), and {@link dev.gatun.data.Batches} gathers shuffled mini-batches into reused float32 buffers
 * with the {@link dev.gatun.data.Normalization} and any augmentation applied in the same pass. Bad files are a
 * {@link dev.gatun.data.DataFileException} naming the file and the field (for CSV, the line and column).
 */
package dev.gatun.data;
