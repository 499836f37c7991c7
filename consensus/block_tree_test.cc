#include "consensus/block_tree.h"

#include <gtest/gtest.h>

namespace ans::consensus {
namespace {

Hash256 h(const std::string& s) { return sha256(as_bytes(s)); }

// Builds trees by hand: blocks named by string, with slot and justify chosen per test.
class Tree {
 public:
  Tree() : tree_(h("genesis"), v1::ActiveSetState()) {}
  BlockNode& add(const std::string& name, const std::string& parent, uint64_t slot,
                 const std::string& justify = "") {
    BlockNode& p = node(parent);
    BlockNode& j = justify.empty() ? tree_.genesis() : node(justify);
    v1::Block b;
    b.mutable_header()->mutable_header()->set_slot(slot);
    return tree_.insert(h(name), std::make_shared<const v1::Block>(b), p, j, nullptr,
                        v1::ActiveSetState());
  }
  BlockNode& node(const std::string& name) {
    return name == "genesis" ? tree_.genesis() : *tree_.find(h(name));
  }
  BlockTree& tree() { return tree_; }

 private:
  BlockTree tree_;
};

TEST(BlockTree, ExtendsIsAncestorOrSelf) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2);
  t.add("c", "a", 3);
  EXPECT_TRUE(BlockTree::extends(t.node("b"), t.node("a")));
  EXPECT_TRUE(BlockTree::extends(t.node("b"), t.node("b")));
  EXPECT_TRUE(BlockTree::extends(t.node("c"), t.node("genesis")));
  EXPECT_FALSE(BlockTree::extends(t.node("c"), t.node("b")));
  EXPECT_FALSE(BlockTree::extends(t.node("a"), t.node("b")));
  EXPECT_EQ(t.node("c").height, 2u);
}

TEST(FinalityRule, AQcOnTheSecondOfADirectPairFinalizesTheFirst) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2, "a");  // direct pair (a, b)
  EXPECT_EQ(BlockTree::finalized_by_qc_on(t.node("b")), &t.node("a"));
  // The genesis block counts as certified: (genesis, a) is a direct pair, and a QC on a
  // "finalizes" the genesis block, which is final anyway.
  EXPECT_EQ(BlockTree::finalized_by_qc_on(t.node("a")), &t.node("genesis"));
}

TEST(FinalityRule, NeedsConsecutiveSlots) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 3, "a");  // a slot between them
  EXPECT_EQ(BlockTree::finalized_by_qc_on(t.node("b")), nullptr);
}

TEST(FinalityRule, NeedsTheQcOnTheParent) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2, "a");
  t.add("c", "b", 3, "a");  // carries the QC on its grandparent
  EXPECT_EQ(BlockTree::finalized_by_qc_on(t.node("c")), nullptr);
}

TEST(HeaderRule, FinalityIsReadFromTheChainsHeaders) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2, "a");
  EXPECT_EQ(t.node("b").header_final, &t.node("genesis"));
  t.add("c", "b", 3, "b");  // carries QC(b), and (a, b) is a direct pair: a is final
  EXPECT_EQ(t.node("c").header_final, &t.node("a"));
  t.add("d", "c", 5, "b");  // an old QC again: finality does not go back
  EXPECT_EQ(t.node("d").header_final, &t.node("a"));
  t.add("e", "d", 6, "c");  // QC(c), (b, c) a direct pair: b final
  EXPECT_EQ(t.node("e").header_final, &t.node("b"));
  // A sibling branch has its own headers.
  t.add("x", "a", 4, "a");
  EXPECT_EQ(t.node("x").header_final, &t.node("genesis"));
}

TEST(ForkChoice, NewestQcFirstThenHeight) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2, "a");
  t.add("c", "b", 3, "b");
  t.add("d", "c", 4, "c");   // long branch: d, e
  t.add("e", "d", 5);
  t.add("x", "b", 6, "b");   // short branch from b
  // With the newest QC on c, the long branch wins by height.
  EXPECT_EQ(&t.tree().head(t.node("a"), &t.node("c")), &t.node("e"));
  // With a QC on x (newer than any on the long branch), x's branch wins despite height.
  EXPECT_EQ(&t.tree().head(t.node("a"), &t.node("x")), &t.node("x"));
  // Without a QC, the greatest height from the final block.
  EXPECT_EQ(&t.tree().head(t.node("a"), nullptr), &t.node("e"));
}

TEST(ForkChoice, NeverLeavesTheFinalBlock) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 2);
  t.add("x", "genesis", 3);
  t.add("y", "x", 4);
  t.add("z", "y", 5);
  // x's branch is higher and has a QC, but b is final: the head stays on b's chain.
  EXPECT_EQ(&t.tree().head(t.node("b"), &t.node("y")), &t.node("b"));
}

TEST(ForkChoice, TiesGoToTheLowerSlotThenTheLowerHash) {
  Tree t;
  t.add("a", "genesis", 1);
  t.add("b", "a", 3);
  t.add("c", "a", 2);
  EXPECT_EQ(&t.tree().head(t.node("a"), nullptr), &t.node("c"));
}

}  // namespace
}  // namespace ans::consensus
