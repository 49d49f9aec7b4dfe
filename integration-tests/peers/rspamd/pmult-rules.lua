-- Rules for pmult's integration tests.
-- PMULT_SOFT_REJECT: a Subject containing "SOFTREJECT" gets the soft reject action with a text of
-- its own, so the tests see what rspamd's milter mode answers for it (a 4xx reply).
rspamd_config:register_symbol({
    name = 'PMULT_SOFT_REJECT',
    type = 'prefilter',
    priority = 10,
    callback = function(task)
        local subject = task:get_subject() or ''
        if subject:find('SOFTREJECT', 1, true) then
            task:set_pre_result('soft reject', 'Try again later (pmult test rule)', 'pmult_rules')
        end
    end
})
