#include "ledger/rules/genesis_state.h"

#include <algorithm>

#include "ledger/rules/producers.h"
#include "ledger/state/ledger_state.h"

namespace ans {

Status apply_genesis(const GenesisConfig& config, StateOverlay& state) {
  LedgerState st(state);
  for (const auto& a : config.allocations) {
    v1::AccountState acct = st.account(a.account);
    acct.set_balance(LedgerState::amount_bytes(
        st.amount(acct.balance()).checked_add(a.amount).value()));
    st.put_account(a.account, acct);
  }
  st.set_reward_pool(config.reward_pool);

  v1::SpRegistryState registry;
  std::vector<std::string> ids;
  for (const auto& g : config.sps) {
    v1::SpState sp;
    sp.set_sp_id(g.sp_id);
    sp.set_owner(std::string(g.owner.bytes().begin(), g.owner.bytes().end()));
    sp.set_display_name(g.display_name);
    sp.set_url(g.url);
    for (const auto& s : g.stations) {
      v1::Station* station = sp.add_stations();
      station->set_id(s.id);
      station->set_host(s.host);
      station->set_port(s.port);
    }
    sp.set_signing_key(std::string(g.signing_key.begin(), g.signing_key.end()));
    sp.set_self_stake(LedgerState::amount_bytes(g.self_stake));
    st.put_sp(sp);
    ids.push_back(g.sp_id);
  }
  std::sort(ids.begin(), ids.end());
  for (auto& id : ids) registry.add_sp_ids(id);
  registry.set_sp_count(static_cast<uint32_t>(ids.size()));
  st.put_sp_registry(registry);

  v1::ActiveSetState sets;
  for (auto& m : compute_active_set(st, config.params.max_active_producers)) {
    *sets.add_active() = std::move(m);
  }
  st.put_active_sets(sets);

  for (const auto& name : config.reserved_names) {
    v1::NameState rec;
    rec.set_name(name);
    rec.set_reserved(true);
    for (const auto& r : config.records) {
      if (r.name == name) rec.mutable_records()->set_target(r.target);
    }
    st.put_name(rec);
  }

  v1::ChainCursorState cursor;
  cursor.set_height(0);
  cursor.set_slot(0);
  cursor.set_time_ms(config.genesis_time_ms);
  st.put_cursor(cursor);
  return st.status();
}

}  // namespace ans
