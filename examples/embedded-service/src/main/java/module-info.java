/** The example service as a named module: on the module path it needs only dev.gatun (and SLF4J through it). */
module dev.gatun.example.service {
    requires dev.gatun;
}
