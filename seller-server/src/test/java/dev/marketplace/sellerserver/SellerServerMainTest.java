package dev.marketplace.sellerserver;

import dev.marketplace.rest.testing.RestServerMainContract;

/** Bad settings stop the server at start with exit code 2 and a message naming the variable. */
class SellerServerMainTest extends RestServerMainContract {
  @Override
  protected int run(String... args) {
    return SellerServerMain.run(args);
  }
}
