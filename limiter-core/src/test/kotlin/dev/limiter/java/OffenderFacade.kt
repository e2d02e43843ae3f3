package dev.limiter.java

/** A deliberate offender for JavaSurfaceSpec: this file's facade reaches Java as `OffenderFacadeKt`. */
fun offenderFacade(): Int = 1
