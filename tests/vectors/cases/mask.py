"""mask.json (spec 4.3): texts that hold secrets, and what may be shown of them."""

from reference.mask import mask

S = "S3cr3t-Pa55"  # every secret below contains it, so each case asserts it is gone

CASES = [
    # --- URLs ------------------------------------------------------------
    ("url", f"mariadb://app:{S}@db:3306/main"),
    ("url_no_password", "mariadb://app@db:3306/main"),
    ("url_no_userinfo", "mysql://db:3306/main"),
    ("url_already_masked", "mysql://app:***@db/main"),
    ("url_at_in_password", f"mysql://app:{S}@x@db/main"),
    ("url_colon_in_password", f"mysql://app:{S}:x@db/main"),
    ("url_hash_in_password", f"mysql://app:{S}#x@db/main"),
    ("url_slash_in_password", f"mysql://app:{S}/x@db/main"),
    ("url_space_in_password", f"mysql://app:{S} x@db/main"),
    ("url_tab_in_password", f"mysql://app:{S}\tx@db/main"),
    ("url_one_slash", f"mysql:/app:{S}@db/main"),
    ("url_no_scheme_colon", f"mysql//app:{S}@db/main"),
    ("url_scheme_with_plus", f"mysql+pymysql://app:{S}@db/main"),
    ("url_empty_password", "mysql://app:@db/main"),
    ("url_in_a_sentence", f"cannot reach mysql://app:{S}@db:3306/main (timeout)"),
    ("two_urls_on_a_line", f"from mysql://a:{S}@h1/x to mysql://b:{S}@h2/y"),
    ("urls_on_two_lines", f"mysql://a:{S}@h1/x\nmysql://b@h2/y"),
    ("url_percent_encoded", f"mysql://app:{S}%40x@db/main"),
    # --- key=value and key: value ---------------------------------------
    ("pair", f"host=db user=app password={S} port=3306"),
    ("pair_semicolons", f"host=db;user=app;password={S};port=3306"),
    ("pair_ampersands", f"host=db&password={S}&port=3306"),
    ("pair_comma_in_value", f"password={S},x"),
    ("pair_semicolon_in_value", f"password={S};x"),
    ("pair_space_in_value", f"password={S} x"),
    ("pair_at_the_end", f"user=app password={S}"),
    ("pair_spaces_around", f"password = {S} ; port=3306"),
    ("passwd", f"passwd={S}"),
    ("pwd", f"Pwd={S};Server=db"),
    ("pass", f"pass: {S}"),
    ("secret", f"SECRET={S}"),
    ("double_quoted", f'password="{S} x" host=db'),
    ("single_quoted", f"password='{S};x' host=db"),
    ("json", f'{{"user": "app", "password": "{S}", "host": "db"}}'),
    ("python_dict", f"{{'user': 'app', 'password': '{S}'}}"),
    ("unclosed_quote", f'password="{S} and the rest'),
    ("spaces_then_a_pair_is_the_value", "password= host=db"),  # over-masks: safe side
    ("non_ascii_space_is_not_a_separator", f"password={S}\xa0port=1"),
    ("non_ascii_case_is_not_folded", "pa\u017f\u017fword=x"),
    # --- what stays ------------------------------------------------------
    ("server_using_password_yes", "Access denied for user 'app'@'10.0.0.7' (using password: YES)"),
    ("server_using_password_no", "Access denied for user 'app'@'10.0.0.7' (using password: NO)"),
    ("words_that_contain_keys", "bypass=1 compass: north password_hint=x"),
    ("nothing_secret", "Too many connections"),
]


def mask_cases():
    out = []
    for name, text in CASES:
        masked = mask(text)
        assert S not in masked, f"{name}: {masked!r}"
        out.append({"name": name, "text": text, "expect": masked})
    return out
