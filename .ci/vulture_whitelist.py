"""Names vulture (the dead-code check in .ci/run) cannot see being used.

Each group says why. A name belongs here only when something outside Python's own calls uses
it (pydantic, SQLAlchemy, PTB, the tests' fixtures) or when it is a stored field; anything else
vulture reports is dead and goes.
"""
# ruff: noqa
# mypy: ignore-errors

# pydantic settings and validators, called by pydantic
model_config  # unused variable (bot/config.py:14)
_._blank_token_is_none  # unused method (bot/config.py:24)
cls  # unused variable (bot/config.py:26)
_._upper_level  # unused method (bot/config.py:29)
cls  # unused variable (bot/config.py:31)
_._strip_slash  # unused method (bot/config.py:34)
cls  # unused variable (bot/config.py:36)
model_config  # unused variable (bot/content/exercises.py:63)
_._one_measure  # unused method (bot/content/exercises.py:75)
_._without_when_needed  # unused method (bot/content/exercises.py:116)

# SQLAlchemy: type decorator hooks, columns written by the database or read by /export
_.isolation_level  # unused attribute (bot/db/engine.py:59)
impl  # unused variable (bot/db/models.py:40)
cache_ok  # unused variable (bot/db/models.py:41)
_.process_bind_param  # unused method (bot/db/models.py:43)
_.process_result_value  # unused method (bot/db/models.py:50)
updated_at  # unused variable (bot/db/models.py:72)
updated_at  # unused variable (bot/db/models.py:89)
_.pending_question  # unused property (bot/db/models.py:91)
updated_at  # unused variable (bot/db/models.py:213)
sent_at  # unused variable (bot/db/models.py:231)
telegram_message_id  # unused variable (bot/db/models.py:232)

# PTB calls this override
_.do_process_update  # unused method (bot/telegram/ordering.py:32)

# Counters of a reminder run, logged and read by the tests and the benchmarks
unknown  # unused variable (bot/services/reminders.py:206)
failed  # unused variable (bot/services/reminders.py:207)
already_handled  # unused variable (bot/services/reminders.py:209)
recipients_gone  # unused variable (bot/services/reminders.py:210)
flood_waits  # unused variable (bot/services/reminders.py:211)
_.unknown  # unused attribute (bot/services/reminders.py:219)
_.failed  # unused attribute (bot/services/reminders.py:221)
_.recipients_gone  # unused attribute (bot/services/reminders.py:225)
_.already_handled  # unused attribute (bot/services/reminders.py:328)
_.flood_waits  # unused attribute (bot/services/reminders.py:395)

# Used by tests and by the operator's tools, not by the running bot
make_session_factory  # unused function (bot/db/engine.py:69)
level_offsets  # unused function (bot/domain/adaptation.py:365)
_.find  # unused method (bot/domain/catalog.py:150)
export_user_json  # unused function (bot/services/data_rights.py:63)
current_plan  # unused function (bot/services/feedback.py:147)
adapt  # unused function (bot/services/feedback.py:157)
_.warm_up  # unused method (bot/services/zones.py:111)

# Data the domain keeps for the content checks, the export and the tests
EQUIPMENT  # unused variable (bot/domain/catalog.py:15)
SOURCES  # unused variable (bot/domain/catalog.py:16)
via  # unused variable (bot/domain/model.py:82)
NOTICES  # unused variable (bot/domain/program.py:57)

# Enum members are stored values, read back by value (Side("left")).
LEFT  # unused variable (bot/domain/feedback_words.py)
RIGHT  # unused variable (bot/domain/feedback_words.py)
red_flag_on  # unused variable (bot/domain/training/model.py): stored with the plan, for the summary
# pydantic validators of settings, poses and personas, called by pydantic
_._blank_is_none  # unused method (bot/config.py)
_._telegram_accepts_secret  # unused method (bot/config.py)
_._password_into_url  # unused method (bot/config.py)
_._shape  # unused method (bot/content/poses.py)
_._contacts  # unused method (bot/content/poses.py)
_._joints  # unused method (bot/content/poses.py)
_._points  # unused method (bot/content/poses.py)
_._timing  # unused method (bot/content/poses.py)
_._weekdays  # unused method (bot/simulate/persona.py)
_._zone  # unused method (bot/simulate/persona.py)

# SQLAlchemy: the connection class and the session event hook that make SQLite reads deferred
_._connection_cls  # unused attribute (bot/db/engine.py)
_session_began  # unused function (bot/db/engine.py): a Session "after_begin" listener

# tornado calls a handler's post(); the tick report's counters are read by tests and benchmarks
_.post  # unused method (bot/telegram/webhook.py)
_.retries  # unused attribute (bot/services/reminder_model.py)
_.deferred  # unused attribute (bot/services/reminder_model.py)
_.renders  # unused attribute (bot/figures/store.py): how many files a store drew, for tests

# The figure store's counters and file_id memory, read by tests and benchmarks/figures.py
_.renders  # unused attribute (bot/figures/store.py)
_.remember_file_id  # unused method (bot/figures/store.py)

# The runs table: columns written by bot/services/runs/store.py's row_of and read by /export
start_minute  # unused variable (bot/db/models.py)
moving_s  # unused variable (bot/db/models.py)
elapsed_s  # unused variable (bot/db/models.py)
ascent_m  # unused variable (bot/db/models.py)
step_length_m  # unused variable (bot/db/models.py)
ground_contact_s  # unused variable (bot/db/models.py)
vertical_oscillation_m  # unused variable (bot/db/models.py)
heart_rate_bpm  # unused variable (bot/db/models.py)
# tornado calls these hooks of the Mini App's handlers (bot/web/server.py)
_.set_default_headers  # unused method (bot/web/server.py)
_.write_error  # unused method (bot/web/server.py)
