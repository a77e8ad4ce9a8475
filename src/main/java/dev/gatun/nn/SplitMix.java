package dev.gatun.nn;

/** SplitMix64's finaliser: turns (seed, layer, step) counters into well-spread 64-bit keys. */
final class SplitMix {
    private SplitMix() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
