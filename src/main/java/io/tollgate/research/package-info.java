/**
 * The AI Researcher: research runs in declarative modes, quoted before they start (every section priced by the quote
 * machinery) and run under one envelope of the run scope, each model call a child request on the normal path.
 */
package io.tollgate.research;
