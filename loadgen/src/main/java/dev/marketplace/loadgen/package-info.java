/** Load generator of the marketplace's REST API. */
package dev.marketplace.loadgen;
