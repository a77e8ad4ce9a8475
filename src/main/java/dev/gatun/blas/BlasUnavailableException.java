package dev.gatun.blas;

/** No usable BLAS: the message says what was tried, what to install and how to point Gatun at a library. */
public final class BlasUnavailableException extends IllegalStateException {
    public BlasUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
