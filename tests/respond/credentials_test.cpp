// Who is locked and who gets a new password, and the /etc/shadow edits for each.
#include "respond/credentials.h"

#include <crypt.h>

#include <gtest/gtest.h>

namespace msw::respond {
namespace {

const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n";

TEST(Credentials, RootAndTheOperatorAreNeverLocked) {
  EXPECT_EQ(planned_credential_change("root"), CredentialChange::Reset);
  EXPECT_EQ(planned_credential_change("administrator"), CredentialChange::Reset);
  EXPECT_EQ(planned_credential_change("ops"), CredentialChange::Lock);
  const std::string shadow = "root:$6$a$b:19000::::::\nops:$6$c$d:19000::::::\ntoor:$6$e$f:19000::::::\n";
  EXPECT_EQ(credential_change("root", "", kPasswd, shadow), CredentialChange::Reset);
  EXPECT_EQ(credential_change("ops", "", kPasswd, shadow), CredentialChange::Lock);
  EXPECT_EQ(credential_change("ops", "ops", kPasswd, shadow), CredentialChange::Reset);  // the operator's own
  // A second uid-0 account is a backdoor, locked while root can still log in; if root cannot, it is the last way in.
  EXPECT_EQ(credential_change("toor", "", kPasswd, shadow), CredentialChange::Lock);
  const std::string root_locked = "root:!$6$a$b:19000::::::\nops:$6$c$d:19000::::::\ntoor:$6$e$f:19000::::::\n";
  EXPECT_EQ(credential_change("toor", "", kPasswd, root_locked), CredentialChange::Reset);
  // The plan's words say the same.
  EXPECT_NE(credential_step_en("root").find("never locked"), std::string::npos);
  EXPECT_NE(credential_step_en("ops").find("Lock the password of ops"), std::string::npos);
  EXPECT_NE(credential_step_zh("root").find("不会锁定"), std::string::npos);
}

TEST(Credentials, LockAndResetEditOnlyTheirLine) {
  const std::string shadow = "root:$6$a$b:19000:0:99999:7:::\nops:$6$c$d:19000:0:99999:7:::\n";
  auto locked = lock_in_shadow(shadow, "ops");
  ASSERT_TRUE(locked);
  EXPECT_EQ(*locked, "root:$6$a$b:19000:0:99999:7:::\nops:!$6$c$d:19000:0:99999:7:::\n");
  EXPECT_EQ(lock_in_shadow(*locked, "ops").error().code, "respond.line_done");
  EXPECT_EQ(lock_in_shadow(shadow, "op").error().code, "respond.no_account");  // a prefix is not the account
  auto reset = reset_in_shadow(shadow, "root", "$6$new$hash", 20429);
  ASSERT_TRUE(reset);
  EXPECT_EQ(*reset, "root:$6$new$hash:20429:0:99999:7:::\nops:$6$c$d:19000:0:99999:7:::\n");
}

TEST(Credentials, NewPasswordsAreRandomAndHashCheckable) {
  auto a = random_password(), b = random_password();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 20u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find_first_of("0O1lI"), std::string::npos);
  auto h = hash_password(*a);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->starts_with("$6$"));
  crypt_data data{};
  EXPECT_EQ(std::string(::crypt_r(a->c_str(), h->c_str(), &data)), *h);
}

}  // namespace
}  // namespace msw::respond
