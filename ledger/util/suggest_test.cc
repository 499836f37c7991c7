#include "ledger/util/suggest.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace ans {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", "abc"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("max_inbund", "max_inbound"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, NamesTheNearestKeyWithinTwoEdits) {
  const std::vector<std::string_view> known = {"max_inbound", "max_outbound", "pex"};
  EXPECT_EQ(did_you_mean("max_inbund", known), " (did you mean 'max_inbound'?)");
  EXPECT_EQ(did_you_mean("pexx", known), " (did you mean 'pex'?)");
  EXPECT_EQ(did_you_mean("listen", known), "");
  EXPECT_EQ(did_you_mean("x", std::vector<std::string_view>{}), "");
}

}  // namespace
}  // namespace ans
