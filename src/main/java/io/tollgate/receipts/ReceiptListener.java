package io.tollgate.receipts;

/**
 * Told of every receipt once the transaction that wrote it has committed: the request path's charges and
 * uncharged ends, and the receipts recovery writes for holds nobody settled. Called on whichever thread saw the
 * commit; it must be quick and must not throw.
 */
@FunctionalInterface
public interface ReceiptListener {
  ReceiptListener NONE = receipt -> {};

  void recorded(Receipt receipt);
}
