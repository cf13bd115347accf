/** Budget alerts: a log line and a webhook when a limit crosses a share of its cap or first refuses a request. */
package io.tollgate.alerts;
