/**
 * How Gatun replaces a file it writes whole: {@link dev.gatun.files.AtomicReplace} writes beside it, forces the bytes
 * to disk and renames over it, so a reader or a crash sees the old file or the new one, never part of one. Model
 * files, checkpoints, ONNX exports and {@code tune}'s table share it, and with it the clean-up of temporary files
 * whose writers were killed; {@link dev.gatun.files.FileProblems} says in words what a file-system exception means.
 * Not exported: a program asks Gatun to save a model, not to write bytes.
 */
package dev.gatun.files;
