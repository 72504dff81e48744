/* The shared value grammars (grammar.h): lengths at their bounds, the extra
 * characters, and path prefixes segment by segment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "grammar.h"

static void words(void **state)
{
    (void)state;
    assert_true(grammar_word("fabrikam-1.x", "._-", 1, 64));
    assert_false(grammar_word("fabrikam_1", ".-", 1, 64)); /* '_' is not extra here */
    assert_false(grammar_word("", "_-", 1, 64));
    assert_true(grammar_word("", "_-", 0, 64));
    assert_true(grammar_word("abcd", "", 1, 4));
    assert_false(grammar_word("abcde", "", 1, 4));
    assert_false(grammar_word("a b", "", 1, 4));
    assert_false(grammar_word("\xc3\xa9", "", 1, 4)); /* letters are ASCII's */
    assert_false(grammar_word(NULL, "", 0, 4));
    assert_true(grammar_word("X-Port-Signature", GRAMMAR_TCHARS, 1, 64));
    assert_false(grammar_word("X-Port:Signature", GRAMMAR_TCHARS, 1, 64));
}

static void path_prefixes(void **state)
{
    (void)state;
    assert_true(grammar_path_prefix("", 128));
    assert_true(grammar_path_prefix("/tfs", 128));
    assert_true(grammar_path_prefix("/a/b.c/d_e-f", 128));
    assert_false(grammar_path_prefix("tfs", 128));
    assert_false(grammar_path_prefix("/", 128));
    assert_false(grammar_path_prefix("/tfs/", 128));
    assert_false(grammar_path_prefix("//tfs", 128));
    assert_false(grammar_path_prefix("/t fs", 128));
    assert_false(grammar_path_prefix(NULL, 128));
    assert_true(grammar_path_prefix("/abc", 4));
    assert_false(grammar_path_prefix("/abcd", 4));
    assert_false(grammar_path_prefix("/ab/c", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words),
        cmocka_unit_test(path_prefixes),
    };
    return cmocka_run_group_tests_name("grammar", tests, NULL, NULL);
}
