#include "rpc/node_api.h"

#include "genesis/genesis_json.h"

#include <algorithm>
#include <future>

#include "genesis/genesis_json.h"
#include "ledger/identity/id.h"
#include "ledger/names/name_syntax.h"
#include "ledger/proof/state_proof.h"
#include "ledger/rules/queries.h"
#include "ledger/state/keys.h"
#include "ledger/state/ledger_state.h"
#include "ledger/token/amount.h"
#include "ledger/wire/codec.h"
#include "rpc/convert.h"

namespace ans::rpc {
namespace {

using Clock = std::chrono::steady_clock;

Status unavailable(std::string_view what) {
  return Status(Errc::kUnavailable, std::string(what) + ": the node has not published its state yet; try again in a moment");
}

// One query's reads of one view: the state as typed records, and where it was read.
struct Reading {
  std::shared_ptr<const ReadView> view;
  ReadView::Reader reader;
  StateOverlay overlay;
  LedgerState state;
  uint64_t time_s = 0;
  v1::StateAt at;

  explicit Reading(std::shared_ptr<const ReadView> v)
      : view(std::move(v)), reader(view->reader()), overlay(reader), state(overlay) {
    v1::ChainCursorState cursor = state.cursor();
    time_s = cursor.time_ms() / 1000;
    at.set_height(view->height());
    at.set_block_hash(hex(view->block_hash()));
    at.set_state_root(hex(view->state_root()));
    at.set_time_ms(cursor.time_ms());
  }
  // The first error any read met (a damaged store, a view undone by a fork switch).
  Status status() const {
    if (Status s = reader.status(); !s) return s;
    return state.status();
  }
};

Result<std::shared_ptr<const ReadView>> pick_view(const NodeContext& c, v1::ReadAt at) {
  if (at != v1::READ_AT_HEAD && at != v1::READ_AT_FINAL) {
    return Status(Errc::kInvalidArgument, "read_at " + std::to_string(static_cast<int>(at)) +
                                              " is neither READ_AT_HEAD nor READ_AT_FINAL");
  }
  std::shared_ptr<const ReadView> view =
      at == v1::READ_AT_FINAL ? c.views->final_view() : c.views->head();
  if (!view) return unavailable(at == v1::READ_AT_FINAL ? "no final state" : "no head state");
  return view;
}

Result<EthAddress> parse_account(std::string_view text, std::string_view field) {
  if (text.empty()) return Status(Errc::kInvalidArgument, std::string(field) + " is required: an ETH-style address (0x and 40 hex digits) or a DIMP ID with one");
  if (auto eth = EthAddress::parse(text)) return *eth;
  auto id = DimpId::parse(text);
  if (!id) {
    return Status(id.status().code(), std::string(field) + " '" + std::string(text.substr(0, 80)) +
                                          "' is neither an ETH-style address nor a DIMP ID: " +
                                          id.status().message());
  }
  if (const auto* eth = std::get_if<EthAddress>(&id->address().value())) return *eth;
  return Status(Errc::kInvalidArgument, std::string(field) + " '" + id->to_string() +
                                            "' has no ETH-style address: only those hold accounts");
}

Result<Hash256> parse_hash(std::string_view text, std::string_view what) {
  auto h = fixed_from_hex<32>(text);
  if (!h) return Status(h.status().code(), std::string(what) + " must be 64 hex digits: " + h.status().message());
  return *h;
}

Result<uint32_t> page_size(const ApiLimits& limits, uint32_t asked) {
  if (asked == 0) return limits.default_page_size;
  if (asked > limits.max_page_size) {
    return Status(Errc::kInvalidArgument, "page_size " + std::to_string(asked) + " is above the maximum " +
                                              std::to_string(limits.max_page_size));
  }
  return asked;
}

Status check_name_syntax(std::string_view name) {
  if (Status s = validate_registry_name(name); !s) {
    return Status(s.code(), "'" + std::string(name.substr(0, 64)) + "' is not a valid name: " + s.message());
  }
  return Status::ok();
}

// The page token of a directory page: the last SP id, hex-encoded (SP ids hold '@').
std::string sp_token(const std::string& sp_id) { return to_hex(as_bytes(sp_id)); }
Result<std::string> sp_from_token(std::string_view token) {
  auto b = from_hex(token);
  if (!b) return Status(Errc::kInvalidArgument, "page_token is not one this node gave: " + b.status().message());
  return std::string(as_chars(*b));
}

bool in_set(const v1::ActiveSetState& sets, std::string_view sp_id) {
  return std::any_of(sets.active().begin(), sets.active().end(),
                     [&](const v1::ActiveSetMember& m) { return m.sp_id() == sp_id; });
}

v1::ProviderInfo provider_info(const v1::SpState& sp, bool active, uint64_t now_s) {
  v1::ProviderInfo p;
  p.set_sp_id(sp.sp_id());
  p.set_owner(account_text(sp.owner()));
  p.set_display_name(sp.display_name());
  p.set_url(sp.url());
  for (const auto& st : sp.stations()) {
    auto* s = p.add_stations();
    s->set_id(st.id());
    s->set_host(st.host());
    s->set_port(st.port());
    s->set_provider(sp.sp_id());
  }
  p.set_signing_key(to_hex(as_bytes(sp.signing_key())));
  p.set_self_stake(dimt(sp.self_stake()));
  p.set_votes_received(dimt(sp.votes_received()));
  auto self = Amount::from_bytes(as_bytes(sp.self_stake()));
  auto votes = Amount::from_bytes(as_bytes(sp.votes_received()));
  Amount weight;
  if (self && votes) {
    if (auto sum = self->checked_add(*votes)) weight = *sum;
  }
  p.set_weight(weight.to_string());
  p.set_active(active);
  p.set_jailed(sp.jailed_until_s() > now_s);
  p.set_jailed_until_s(sp.jailed_until_s());
  p.set_retired(sp.retired());
  p.set_unbonding_until_s(sp.unbonding_until_s());
  p.set_produced_blocks(sp.produced_blocks());
  p.set_missed_slots(sp.missed_slots());
  const uint64_t slots = sp.produced_blocks() + sp.missed_slots();
  p.set_uptime(slots == 0 ? 1.0 : static_cast<double>(sp.produced_blocks()) / static_cast<double>(slots));
  p.set_unclaimed_rewards(dimt(sp.unclaimed_rewards()));
  p.set_registered_height(sp.registered_height());
  return p;
}

// A final block by height (genesis included), read from the store.
Result<std::optional<v1::BlockInfo>> final_block_info(const NodeContext& c, uint64_t height,
                                                      bool include_raw) {
  if (height == 0) {
    v1::BlockInfo genesis;
    genesis.set_hash(hex(c.chain_id));
    genesis.set_timestamp_ms(c.genesis.genesis_time_ms);
    genesis.set_final(true);
    return std::optional<v1::BlockInfo>(genesis);
  }
  auto entry = c.store->final_at(height);
  if (!entry) return entry.status();
  if (!*entry) return std::optional<v1::BlockInfo>();
  auto stored = c.store->get_block((*entry)->hash);
  if (!stored) return stored.status();
  if (!*stored) {
    return Status(Errc::kCorruption, "consensus store: final block " + std::to_string(height) + " is indexed but not stored");
  }
  return std::optional<v1::BlockInfo>(block_info((*entry)->hash, (*stored)->block, true, include_raw));
}

}  // namespace

NodeApi::NodeApi(NodeContext context, ApiLimits limits)
    : context_(std::move(context)), limits_(limits) {}

// ---- names

Result<v1::ResolveResponse> NodeApi::resolve(const v1::ResolveRequest& request) const {
  auto view = pick_view(context_, request.read_at());
  if (!view) return view.status();
  Reading r(*view);
  v1::ResolveResponse out;
  if (Status s = check_name_syntax(request.name()); !s) {
    v1::NameRecord* rec = out.mutable_record();
    rec->set_name(request.name().substr(0, 64));
    rec->set_state("invalid");
    rec->set_reason(s.message());
  } else {
    Resolution res = resolve_name(context_.genesis.params, r.reader, request.name(), r.time_s);
    ANS_RETURN_IF_ERROR(r.status());
    *out.mutable_record() = name_record(context_.genesis.params, request.name(), res.status, res.record);
  }
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::ReverseResponse> NodeApi::reverse(const v1::ReverseRequest& request) const {
  auto address = parse_account(request.address(), "address");
  if (!address) return address.status();
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  auto name = reverse_lookup(context_.genesis.params, r.reader, *address, r.time_s);
  ANS_RETURN_IF_ERROR(r.status());
  v1::ReverseResponse out;
  out.set_found(name.has_value());
  if (name) out.set_name(*name);
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::ListByOwnerResponse> NodeApi::list_by_owner(const v1::ListByOwnerRequest& request) const {
  auto owner = parse_account(request.owner(), "owner");
  if (!owner) return owner.status();
  auto limit = page_size(limits_, request.page_size());
  if (!limit) return limit.status();
  if (!request.page_token().empty()) {
    if (Status s = validate_registry_name(request.page_token()); !s) {
      return Status(Errc::kInvalidArgument, "page_token is not one this node gave: " + s.message());
    }
  }
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  std::vector<std::string> names = names_by_owner(r.reader, *owner, request.page_token(), *limit + 1);
  ANS_RETURN_IF_ERROR(r.status());
  v1::ListByOwnerResponse out;
  const bool more = names.size() > *limit;
  if (more) names.resize(*limit);
  for (const auto& n : names) {
    Resolution res = resolve_name(context_.genesis.params, r.reader, n, r.time_s);
    *out.add_names() = name_record(context_.genesis.params, n, res.status, res.record);
  }
  ANS_RETURN_IF_ERROR(r.status());
  if (more) out.set_next_page_token(names.back());
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::CheckNameResponse> NodeApi::check_name(const v1::CheckNameRequest& request) const {
  const ChainParams& p = context_.genesis.params;
  const uint32_t years = request.years() == 0 ? 1 : request.years();
  if (years > p.max_years) {
    return Status(Errc::kInvalidArgument, "years must be 1.." + std::to_string(p.max_years) + ", not " +
                                              std::to_string(years));
  }
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  v1::CheckNameResponse out;
  out.set_name(request.name().substr(0, 64));
  out.set_years(years);
  if (Status s = check_name_syntax(request.name()); !s) {
    out.set_valid(false);
    out.set_invalid_reason(s.message());
    out.set_state("invalid");
  } else {
    Availability a = name_availability(p, r.reader, request.name(), years, r.time_s);
    ANS_RETURN_IF_ERROR(r.status());
    out.set_valid(true);
    out.set_available(a.available);
    out.set_state(lifecycle_name(a.status));
    out.set_unavailable_reason(a.reason);
    out.set_yearly_fee(a.yearly_fee.to_string());
    out.set_premium(a.premium.to_string());
    out.set_total(a.total_for_years.to_string());
  }
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::ProveResponse> NodeApi::prove(const v1::ProveRequest& request) const {
  ANS_RETURN_IF_ERROR(check_name_syntax(request.name()));
  std::shared_ptr<const ReadView> view;
  if (request.height() == 0) {
    view = context_.views->final_view();
    if (!view) return unavailable("no final state");
  } else {
    auto status = context_.board->status();
    if (request.height() > status->final_height) {
      return Status(Errc::kNotFound, "block " + std::to_string(request.height()) +
                                         " is not final yet (final height " +
                                         std::to_string(status->final_height) + "): proofs are served at final heights");
    }
    view = context_.views->at(request.height());
    if (!view) {
      return Status(Errc::kNotFound, "this node keeps proofs for recent final blocks only, not block " +
                                         std::to_string(request.height()) + "; ask for height 0 (the newest)");
    }
  }
  if (view->height() == 0 || view->header().empty()) {
    return unavailable("no final block with a QC");
  }
  v1::SignedBlockHeader signed_header;
  if (!signed_header.ParseFromString(view->header())) {
    return Status(Errc::kCorruption, "the view's header does not parse");
  }
  auto entry = context_.store->final_at(view->height());
  if (!entry) return entry.status();
  if (!*entry || !(*entry)->qc) return unavailable("the QC on the newest final block is not indexed yet");
  // The set that signed the QC: the one in the state before the block (its parent's).
  auto prev = fixed_from_hex<32>(to_hex(as_bytes(signed_header.header().prev_hash())));
  if (!prev) return Status(Errc::kCorruption, "the view's header has no parent hash");
  auto parent_record = context_.store->get_block(*prev);
  if (!parent_record) return parent_record.status();
  if (!*parent_record) return Status(Errc::kCorruption, "consensus store: the parent of a final block is not stored");

  const std::string key = keys::name(request.name());
  auto proven = view->prove(key);
  if (!proven) return proven.status();
  v1::ProveResponse out;
  v1::ProofBundle* bundle = out.mutable_bundle();
  bundle->set_state_key(key);
  Bytes encoded = encode_state_proof(proven->proof);
  bundle->set_state_proof(std::string(as_chars(encoded)));
  bundle->set_header(encode_string(signed_header.header()));
  *bundle->mutable_qc() = *(*entry)->qc;
  *bundle->mutable_active_set() = (*parent_record)->sets_after.active();

  Reading r(view);
  Resolution res = resolve_name(context_.genesis.params, r.reader, request.name(), r.time_s);
  ANS_RETURN_IF_ERROR(r.status());
  *out.mutable_record() = name_record(context_.genesis.params, request.name(), res.status, res.record);
  *out.mutable_at() = r.at;
  return out;
}

// ---- directory

Result<v1::ListProvidersResponse> NodeApi::list_providers(const v1::ListProvidersRequest& request) const {
  auto limit = page_size(limits_, request.page_size());
  if (!limit) return limit.status();
  std::string after;
  if (!request.page_token().empty()) {
    auto t = sp_from_token(request.page_token());
    if (!t) return t.status();
    after = *t;
  }
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  v1::SpRegistryState registry = r.state.sp_registry();
  v1::ActiveSetState sets = r.state.active_sets();
  ANS_RETURN_IF_ERROR(r.status());
  v1::ListProvidersResponse out;
  std::string last;
  for (const auto& id : registry.sp_ids()) {  // sorted
    if (!after.empty() && id <= after) continue;
    const bool active = in_set(sets, id);
    if (request.active_only() && !active) continue;
    if (out.providers_size() == static_cast<int>(*limit)) {
      out.set_next_page_token(sp_token(last));
      break;
    }
    auto sp = r.state.sp(id);
    if (!sp) continue;
    *out.add_providers() = provider_info(*sp, active, r.time_s);
    last = id;
  }
  ANS_RETURN_IF_ERROR(r.status());
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::GetProviderResponse> NodeApi::get_provider(const v1::GetProviderRequest& request) const {
  if (request.sp_id().empty()) return Status(Errc::kInvalidArgument, "sp_id is required: the SP's DIMP ID");
  if (auto id = DimpId::parse(request.sp_id()); !id) {
    return Status(id.status().code(), "sp_id '" + request.sp_id().substr(0, 80) + "' is not a DIMP ID: " + id.status().message());
  }
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  auto sp = r.state.sp(request.sp_id());
  v1::ActiveSetState sets = r.state.active_sets();
  ANS_RETURN_IF_ERROR(r.status());
  if (!sp) return Status(Errc::kNotFound, "no SP " + request.sp_id() + " is registered");
  v1::GetProviderResponse out;
  *out.mutable_provider() = provider_info(*sp, in_set(sets, sp->sp_id()), r.time_s);
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::ListStationsResponse> NodeApi::list_stations(const v1::ListStationsRequest&) const {
  auto view = pick_view(context_, v1::READ_AT_HEAD);
  if (!view) return view.status();
  Reading r(*view);
  v1::ActiveSetState sets = r.state.active_sets();
  v1::ListStationsResponse out;
  for (const auto& member : sets.active()) {
    auto sp = r.state.sp(member.sp_id());
    if (!sp) continue;
    for (const auto& st : sp->stations()) {
      auto* s = out.add_stations();
      s->set_id(st.id());
      s->set_host(st.host());
      s->set_port(st.port());
      s->set_provider(sp->sp_id());
    }
  }
  ANS_RETURN_IF_ERROR(r.status());
  *out.mutable_at() = r.at;
  return out;
}

// ---- chain

Result<v1::GetInfoResponse> NodeApi::get_info(const v1::GetInfoRequest&) const {
  auto st = context_.board->status();
  const ChainParams& p = context_.genesis.params;
  v1::GetInfoResponse out;
  out.set_chain_id(hex(context_.chain_id));
  out.set_chain_name(context_.genesis.chain_name);
  out.set_genesis_hash(hex(context_.chain_id));
  out.set_head_height(st->head_height);
  out.set_head_hash(hex(st->head_hash));
  out.set_head_slot(st->head_slot);
  out.set_final_height(st->final_height);
  out.set_final_hash(hex(st->final_hash));
  out.set_epoch_length(p.epoch_length_blocks);
  out.set_epoch(p.epoch_length_blocks == 0 ? 0 : st->head_height / p.epoch_length_blocks);
  out.set_block_interval_ms(p.block_interval_ms);
  for (const auto& id : st->active_set) out.add_active_set(id);
  out.set_min_fee(p.min_tx_fee.to_string());
  out.set_genesis_time_ms(context_.genesis.genesis_time_ms);
  out.set_mempool_size(st->mempool_size);
  return out;
}

Result<v1::GetBlockResponse> NodeApi::get_block(const v1::GetBlockRequest& request) const {
  auto st = context_.board->status();
  v1::GetBlockResponse out;
  if (request.block_case() == v1::GetBlockRequest::kHash) {
    auto hash = parse_hash(request.hash(), "hash");
    if (!hash) return hash.status();
    if (*hash == context_.chain_id) {
      auto g = final_block_info(context_, 0, false);
      if (!g) return g.status();
      *out.mutable_block() = **g;
      return out;
    }
    auto stored = context_.store->get_block(*hash);
    if (!stored) return stored.status();
    if (!*stored) return Status(Errc::kNotFound, "no block " + request.hash() + " is known to this node");
    const uint64_t height = (*stored)->block.header().header().height();
    bool final = false;
    if (height <= st->final_height) {
      auto entry = context_.store->final_at(height);
      if (!entry) return entry.status();
      final = *entry && (*entry)->hash == *hash;
    }
    *out.mutable_block() = block_info(*hash, (*stored)->block, final, request.include_raw());
    return out;
  }
  const uint64_t height = request.height();
  if (height <= st->final_height) {
    auto info = final_block_info(context_, height, request.include_raw());
    if (!info) return info.status();
    if (!*info) return Status(Errc::kUnavailable, "final block " + std::to_string(height) + " is not indexed yet; try again");
    *out.mutable_block() = **info;
    return out;
  }
  const uint64_t i = height - st->final_height - 1;
  if (i >= st->unfinal.size()) {
    return Status(Errc::kNotFound, "no block at height " + std::to_string(height) + " yet (head " +
                                       std::to_string(st->head_height) + ")");
  }
  *out.mutable_block() = block_info(st->unfinal_hashes[i], *st->unfinal[i], false, request.include_raw());
  return out;
}

Result<v1::GetTransactionResponse> NodeApi::get_transaction(const v1::GetTransactionRequest& request) const {
  auto id = parse_hash(request.hash(), "hash");
  if (!id) return id.status();
  auto st = context_.board->status();
  v1::GetTransactionResponse out;
  auto loc = context_.store->transaction_location(*id);
  if (!loc) return loc.status();
  if (*loc) {
    auto entry = context_.store->final_at((*loc)->height);
    if (!entry) return entry.status();
    if (*entry) {
      auto stored = context_.store->get_block((*entry)->hash);
      if (!stored) return stored.status();
      if (*stored && static_cast<int>((*loc)->index) < (*stored)->block.transactions_size()) {
        out.set_status("final");
        *out.mutable_transaction() = transaction_info((*stored)->block.transactions(static_cast<int>((*loc)->index)));
        out.set_height((*loc)->height);
        out.set_block_hash(hex((*entry)->hash));
        out.set_index((*loc)->index);
        return out;
      }
    }
  }
  for (size_t b = 0; b < st->unfinal.size(); ++b) {
    const v1::Block& block = *st->unfinal[b];
    for (int t = 0; t < block.transactions_size(); ++t) {
      if (transaction_id(block.transactions(t).tx()) != *id) continue;
      out.set_status("included");
      *out.mutable_transaction() = transaction_info(block.transactions(t));
      out.set_height(block.header().header().height());
      out.set_block_hash(hex(st->unfinal_hashes[b]));
      out.set_index(static_cast<uint32_t>(t));
      return out;
    }
  }
  if (st->pending && std::binary_search(st->pending->begin(), st->pending->end(), *id)) {
    out.set_status("pending");
    return out;
  }
  if (auto rejected = context_.board->rejected(*id)) {
    out.set_status("rejected");
    out.set_reason_code(rejected->code);
    out.set_reason(rejected->reason);
    return out;
  }
  return Status(Errc::kNotFound, "transaction " + request.hash() + " is not known to this node");
}

Result<v1::GetGenesisResponse> NodeApi::get_genesis(const v1::GetGenesisRequest&) const {
  v1::GetGenesisResponse out;
  out.set_chain_id(hex(context_.chain_id));
  out.set_genesis_json(canonical_genesis_json(context_.genesis));
  return out;
}

Result<v1::GetStateResponse> NodeApi::get_state(const v1::GetStateRequest& request) const {
  if (request.keys().empty()) return Status(Errc::kInvalidArgument, "keys is empty: name at least one state key");
  if (static_cast<size_t>(request.keys_size()) > limits_.max_state_keys) {
    return Status(Errc::kInvalidArgument, std::to_string(request.keys_size()) + " keys asked for; at most " +
                                              std::to_string(limits_.max_state_keys) + " per call");
  }
  for (const auto& key : request.keys()) {
    if (key.empty() || key.size() > limits_.max_state_key_bytes) {
      return Status(Errc::kInvalidArgument, "a state key is 1 to " + std::to_string(limits_.max_state_key_bytes) +
                                                " bytes, not " + std::to_string(key.size()));
    }
  }
  auto view = pick_view(context_, request.read_at());
  if (!view) return view.status();
  Reading r(*view);
  v1::GetStateResponse out;
  for (const auto& key : request.keys()) {
    auto value = (*view)->get(key);
    if (!value) return value.status();
    v1::StateEntry* entry = out.add_entries();
    entry->set_key(key);
    entry->set_present(value->has_value());
    if (value->has_value()) entry->set_value(**value);
  }
  ANS_RETURN_IF_ERROR(r.status());
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::GetAccountResponse> NodeApi::get_account(const v1::GetAccountRequest& request) const {
  auto address = parse_account(request.address(), "address");
  if (!address) return address.status();
  auto view = pick_view(context_, request.read_at());
  if (!view) return view.status();
  Reading r(*view);
  v1::AccountState account = r.state.account(*address);
  v1::GetAccountResponse out;
  out.set_address(address->to_string());
  out.set_balance(dimt(account.balance()));
  out.set_nonce(account.nonce());
  out.set_staked(dimt(account.staked()));
  for (const auto& v : account.votes()) out.add_votes(v);
  const std::string me(address->bytes().begin(), address->bytes().end());
  // Unbonding entries are keyed by release time; an account's are found by a bounded scan.
  constexpr size_t kMaxUnbondingScanned = 100'000;
  r.reader.scan(keys::kUnbondingPrefix, {}, kMaxUnbondingScanned,
                [&](std::string_view key, std::string_view value) {
                  v1::UnbondingState u;
                  if (u.ParseFromArray(value.data(), static_cast<int>(value.size())) && u.account() == me &&
                      key.size() >= 9) {
                    auto* info = out.add_unbonding();
                    info->set_amount(dimt(u.amount()));
                    info->set_until_s(keys::read_be64(key.substr(1, 8)));
                  }
                  return true;
                });
  Amount rewards;
  const v1::SpRegistryState registry = r.state.sp_registry();
  for (const auto& id : registry.sp_ids()) {
    auto sp = r.state.sp(id);
    if (!sp || sp->owner() != me) continue;
    auto a = Amount::from_bytes(as_bytes(sp->unclaimed_rewards()));
    if (a) {
      if (auto sum = rewards.checked_add(*a)) rewards = *sum;
    }
  }
  ANS_RETURN_IF_ERROR(r.status());
  out.set_rewards(rewards.to_string());
  *out.mutable_at() = r.at;
  return out;
}

Result<v1::SubmitTransactionResponse> NodeApi::submit(const v1::SubmitTransactionRequest& request,
                                                      Clock::time_point deadline) const {
  if (!request.has_transaction()) return Status(Errc::kInvalidArgument, "transaction is required");
  const v1::SignedTransaction& tx = request.transaction();
  const Hash256 id = transaction_id(tx.tx());
  auto answer = std::make_shared<std::promise<Result<bool>>>();
  std::future<Result<bool>> answered = answer->get_future();
  auto submit_on_chain = context_.submit_on_chain;
  ChainBoard* board = context_.board;
  // On the chain thread, so that a drop of this submission (later, on the same thread) is
  // never the one forgotten.
  if (!board->post([answer, submit_on_chain, tx, id, board] {
        board->forget_rejected(id);
        answer->set_value(submit_on_chain(tx));
      })) {
    if (context_.board->closed()) return Status(Errc::kUnavailable, "the node is stopping");
    return Status(Errc::kResourceExhausted, "the node's chain thread has too much queued; try again shortly");
  }
  const Clock::time_point wait_end =
      std::min(deadline, Clock::now() + std::chrono::milliseconds(limits_.max_submit_wait_ms));
  if (answered.wait_until(wait_end) != std::future_status::ready) {
    return Status(Errc::kDeadlineExceeded, "the node did not take the transaction in time; it may still");
  }
  Result<bool> taken = answered.get();
  if (!taken) {
    context_.board->note_rejected(id, Rejection{std::string(errc_name(taken.status().code())),
                                                taken.status().message()});
    return taken.status();
  }
  v1::SubmitTransactionResponse out;
  out.set_hash(hex(id));
  out.set_status("pending");
  if (request.wait() == v1::WAIT_FOR_NONE) return out;
  auto st = context_.board->status();
  for (;;) {
    v1::GetTransactionRequest q;
    q.set_hash(hex(id));
    auto now = get_transaction(q);
    if (now && (now->status() == "final" ||
                (now->status() == "included" && request.wait() == v1::WAIT_FOR_INCLUDED))) {
      out.set_status(now->status());
      out.set_height(now->height());
      out.set_block_hash(now->block_hash());
      return out;
    }
    if (now && now->status() == "rejected") {
      return Status(Errc::kFailedPrecondition, "the transaction was dropped: " + now->reason());
    }
    if (Clock::now() >= wait_end) {
      return Status(Errc::kDeadlineExceeded,
                    std::string("the transaction is ") + (now ? now->status() : "pending") + ", not yet " +
                        (request.wait() == v1::WAIT_FOR_FINAL ? "final" : "included") +
                        "; ask GetTransaction later");
    }
    if (context_.board->closed()) return Status(Errc::kUnavailable, "the node is stopping");
    st = context_.board->wait_newer(st->version, wait_end);
  }
}

Result<std::optional<v1::BlockInfo>> NodeApi::next_final_block(uint64_t height, bool include_raw,
                                                               Clock::time_point deadline) const {
  auto st = context_.board->status();
  for (;;) {
    if (height <= st->final_height) {
      auto info = final_block_info(context_, height, include_raw);
      if (!info) return info.status();
      if (*info) return info;
      // Final but not indexed yet: the index is written just after; wait for the next status.
    }
    if (Clock::now() >= deadline || context_.board->closed()) return std::optional<v1::BlockInfo>();
    st = context_.board->wait_newer(st->version, deadline);
  }
}

Result<v1::ListPeersResponse> NodeApi::list_peers(const v1::ListPeersRequest&) const {
  if (!context_.network) return Status(Errc::kUnavailable, "this node has no P2P network");
  NetworkReadings n = context_.network();
  v1::ListPeersResponse out;
  for (auto& p : n.peers) *out.add_peers() = std::move(p);
  for (auto& b : n.bans) *out.add_bans() = std::move(b);
  out.set_syncing(n.syncing);
  out.set_sync_target(n.sync_target);
  return out;
}

Result<v1::GetStatusResponse> NodeApi::get_status(const v1::GetStatusRequest&) const {
  auto st = context_.board->status();
  v1::GetStatusResponse out;
  out.set_version(ANS_VERSION);
  out.set_uptime_s(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - context_.started).count()));
  out.set_node_fault(st->node_fault);
  out.set_producer(context_.producer);
  out.set_head_height(st->head_height);
  out.set_final_height(st->final_height);
  out.set_mempool_size(st->mempool_size);
  out.set_blocks_produced(st->stats.blocks_produced);
  out.set_blocks_accepted(st->stats.blocks_accepted);
  out.set_blocks_rejected(st->stats.blocks_rejected);
  out.set_open_streams(open_streams_.load());
  if (context_.network) {
    NetworkReadings n = context_.network();
    out.set_peers(n.inbound + n.outbound);
  }
  return out;
}

}  // namespace ans::rpc
