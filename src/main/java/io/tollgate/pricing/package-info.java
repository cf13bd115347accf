/** Cost arithmetic: exact integer products of tokens and prices, multiplied, rounded up once to a micro-unit. */
package io.tollgate.pricing;
