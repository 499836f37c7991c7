#include "ledger/testing/chain_driver.h"

#include <limits>

#include "ledger/rules/supply.h"
#include "ledger/state/ledger_state.h"
#include "ledger/testing/test_chain.h"

namespace ans::testing {

Hash256 test_block_hash(uint64_t height, const Hash256& state_root) {
  std::string h = keys::be64(height);
  return tagged_hash("ANS/test/block", {as_bytes(h), state_root});
}

Hash256 state_digest(const StateReader& state) {
  Sha256 h;
  state.scan({}, {}, std::numeric_limits<size_t>::max(), [&](std::string_view k, std::string_view v) {
    if (!k.empty() && static_cast<uint8_t>(k[0]) == 0xff) return false;  // bookkeeping sorts last
    std::string lens = keys::be64(k.size()) + keys::be64(v.size());
    h.update(lens).update(k).update(v);
    return true;
  });
  return h.finish();
}

ChainDriver::ChainDriver(Ledger& ledger, uint64_t seed, size_t txs_per_block)
    : ledger_(ledger), generator_(seed, ledger.params(), ledger.chain_id()),
      txs_per_block_(txs_per_block) {
  StateOverlay view(ledger_.db());
  slot_ = LedgerState(view).cursor().slot();
}

BlockContext ChainDriver::next_context() {
  StateOverlay view(ledger_.db());
  LedgerState st(view);
  BlockContext ctx;
  ctx.height = ledger_.head_height() + 1;
  ctx.slot = slot_ + generator_.next_slot_gap();
  ctx.time_ms = st.cursor().time_ms() - st.cursor().slot() * ledger_.params().block_interval_ms +
                ctx.slot * ledger_.params().block_interval_ms;
  v1::ActiveSetState sets = st.active_sets();
  if (sets.active_size() > 0) {
    ctx.producer = sets.active(static_cast<int>(ctx.slot % static_cast<uint64_t>(sets.active_size()))).sp_id();
  }
  ctx.final_height = ledger_.final_height();
  return ctx;
}

std::vector<v1::SignedTransaction> ChainDriver::produce_block(std::string& failure) {
  failure.clear();
  BlockContext ctx = next_context();
  std::string where = "seed " + std::to_string(generator_.seed()) + " height " + std::to_string(ctx.height);
  ApplyEnv env{ledger_.params(), ledger_.chain_id()};

  StateOverlay block(ledger_.db());
  if (Status st = begin_block(env, ctx, block); !st) {
    failure = where + ": begin_block: " + st.to_string();
    return {};
  }
  std::vector<v1::SignedTransaction> included;
  for (size_t i = 0; i < txs_per_block_; ++i) {
    v1::SignedTransaction stx = generator_.next(block, ctx);
    WriteSet before = block.writes();
    ++stats_.tried;
    TxStatus st = apply_transaction(env, ctx, block, stx);
    if (!st) {
      ++stats_.rejected;
      ++stats_.rejected_by_reason[st.code()];
      if (block.writes() != before) {
        failure = where + ": a rejected transaction left writes behind (" + st.to_string() + ")";
        return {};
      }
      continue;
    }
    // Nonces never repeat, and each follows the previous one this driver saw included.
    auto& seen = nonces_[stx.tx().sender_key()];
    bool follows = seen.empty() || stx.tx().nonce() == *seen.rbegin() + 1;
    if (!follows || !seen.insert(stx.tx().nonce()).second) {
      failure = where + ": nonce " + std::to_string(stx.tx().nonce()) + " repeated or skipped";
      return {};
    }
    ++stats_.included;
    ++stats_.included_by_body[static_cast<int>(stx.tx().body_case())];
    generator_.included(stx, ctx);
    included.push_back(std::move(stx));
  }

  auto prepared = ledger_.prepare_block(ctx, included);
  if (!prepared) {
    failure = where + ": the validator rejects the producer's block: " + prepared.status().to_string();
    return {};
  }
  if (Status st = ledger_.commit_block(*prepared, test_block_hash(ctx.height, prepared->state_root)); !st) {
    failure = where + ": commit: " + st.to_string();
    return {};
  }
  slot_ = ctx.slot;
  roots_.push_back(prepared->state_root);
  if (ctx.height > finality_lag_) {
    if (Status st = ledger_.set_final(ctx.height - finality_lag_); !st) {
      failure = where + ": set_final: " + st.to_string();
      return {};
    }
  }
  auto supply = compute_supply(ledger_.db());
  if (!supply) {
    failure = where + ": supply scan: " + supply.status().to_string();
  } else if (supply->total().value() != ledger_.params().total_supply) {
    failure = where + ": supply is " + supply->total().value().to_string() + " DIMT, not " +
              ledger_.params().total_supply.to_string();
  }
  return included;
}

}  // namespace ans::testing
