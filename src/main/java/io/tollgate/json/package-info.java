/** The one shared Jackson mapper and id generation, so every record serializes the same way. */
package io.tollgate.json;
