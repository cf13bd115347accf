/**
 * The numbers of a research report, computed locally and deterministically from daily bars with ta4j in decimal
 * arithmetic; a model never supplies a number, it only writes prose around the table it is given.
 */
package io.tollgate.research.indicators;
