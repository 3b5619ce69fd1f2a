-- Coded columns accept only the domain's codes (kept in step with the
-- domain's enums by the conformance suite). SQLite cannot add a CHECK
-- constraint to an existing table without rebuilding it: triggers on
-- insert and update raise the same error. NULL stays allowed.

CREATE TRIGGER organisations_kind_code_insert BEFORE INSERT ON organisations
    WHEN NEW.kind NOT IN ('department_service', 'ccas', 'association', 'france_travail', 'mission_locale', 'cap_emploi', 'siae', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: organisations_kind_code'); END;
CREATE TRIGGER organisations_kind_code_update BEFORE UPDATE OF kind ON organisations
    WHEN NEW.kind NOT IN ('department_service', 'ccas', 'association', 'france_travail', 'mission_locale', 'cap_emploi', 'siae', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: organisations_kind_code'); END;
CREATE TRIGGER users_role_code_insert BEFORE INSERT ON users
    WHEN NEW.role NOT IN ('admin', 'programme_officer', 'manager', 'referent', 'operator', 'dpo')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users_role_code'); END;
CREATE TRIGGER users_role_code_update BEFORE UPDATE OF role ON users
    WHEN NEW.role NOT IN ('admin', 'programme_officer', 'manager', 'referent', 'operator', 'dpo')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users_role_code'); END;
CREATE TRIGGER households_fund_code_insert BEFORE INSERT ON households
    WHEN NEW.fund NOT IN ('caf', 'msa')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: households_fund_code'); END;
CREATE TRIGGER households_fund_code_update BEFORE UPDATE OF fund ON households
    WHEN NEW.fund NOT IN ('caf', 'msa')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: households_fund_code'); END;
CREATE TRIGGER persons_household_role_code_insert BEFORE INSERT ON persons
    WHEN NEW.household_role NOT IN ('DEM', 'CJT', 'ENF', 'AUT')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_household_role_code'); END;
CREATE TRIGGER persons_household_role_code_update BEFORE UPDATE OF household_role ON persons
    WHEN NEW.household_role NOT IN ('DEM', 'CJT', 'ENF', 'AUT')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_household_role_code'); END;
CREATE TRIGGER persons_sex_code_insert BEFORE INSERT ON persons
    WHEN NEW.sex NOT IN ('F', 'M')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_sex_code'); END;
CREATE TRIGGER persons_sex_code_update BEFORE UPDATE OF sex ON persons
    WHEN NEW.sex NOT IN ('F', 'M')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_sex_code'); END;
CREATE TRIGGER persons_closure_reason_code_insert BEFORE INSERT ON persons
    WHEN NEW.closure_reason NOT IN ('rsa_closed', 'moved', 'end_of_duties', 'deceased', 'merged', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_closure_reason_code'); END;
CREATE TRIGGER persons_closure_reason_code_update BEFORE UPDATE OF closure_reason ON persons
    WHEN NEW.closure_reason NOT IN ('rsa_closed', 'moved', 'end_of_duties', 'deceased', 'merged', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_closure_reason_code'); END;
CREATE TRIGGER orientations_kind_code_insert BEFORE INSERT ON orientations
    WHEN NEW.kind NOT IN ('professional', 'socio_professional', 'social')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: orientations_kind_code'); END;
CREATE TRIGGER orientations_kind_code_update BEFORE UPDATE OF kind ON orientations
    WHEN NEW.kind NOT IN ('professional', 'socio_professional', 'social')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: orientations_kind_code'); END;
CREATE TRIGGER orientations_status_code_insert BEFORE INSERT ON orientations
    WHEN NEW.status NOT IN ('pending', 'validated', 'rejected')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: orientations_status_code'); END;
CREATE TRIGGER orientations_status_code_update BEFORE UPDATE OF status ON orientations
    WHEN NEW.status NOT IN ('pending', 'validated', 'rejected')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: orientations_status_code'); END;
CREATE TRIGGER person_clocks_kind_code_insert BEFORE INSERT ON person_clocks
    WHEN NEW.kind NOT IN ('orientation', 'contract', 'joint_review', 'contract_end')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: person_clocks_kind_code'); END;
CREATE TRIGGER person_clocks_kind_code_update BEFORE UPDATE OF kind ON person_clocks
    WHEN NEW.kind NOT IN ('orientation', 'contract', 'joint_review', 'contract_end')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: person_clocks_kind_code'); END;
CREATE TRIGGER contracts_kind_code_insert BEFORE INSERT ON contracts
    WHEN NEW.kind NOT IN ('cer', 'engagement')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_kind_code'); END;
CREATE TRIGGER contracts_kind_code_update BEFORE UPDATE OF kind ON contracts
    WHEN NEW.kind NOT IN ('cer', 'engagement')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_kind_code'); END;
CREATE TRIGGER contracts_status_code_insert BEFORE INSERT ON contracts
    WHEN NEW.status NOT IN ('draft', 'signed', 'awaiting_validation', 'validated', 'rejected', 'running', 'ended', 'reviewed', 'renewed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_status_code'); END;
CREATE TRIGGER contracts_status_code_update BEFORE UPDATE OF status ON contracts
    WHEN NEW.status NOT IN ('draft', 'signed', 'awaiting_validation', 'validated', 'rejected', 'running', 'ended', 'reviewed', 'renewed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_status_code'); END;
CREATE TRIGGER contracts_hours_reason_code_insert BEFORE INSERT ON contracts
    WHEN NEW.hours_reason NOT IN ('health', 'disability', 'childcare', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_hours_reason_code'); END;
CREATE TRIGGER contracts_hours_reason_code_update BEFORE UPDATE OF hours_reason ON contracts
    WHEN NEW.hours_reason NOT IN ('health', 'disability', 'childcare', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contracts_hours_reason_code'); END;
CREATE TRIGGER contract_objectives_review_result_code_insert BEFORE INSERT ON contract_objectives
    WHEN NEW.review_result NOT IN ('reached', 'partly', 'not_reached')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contract_objectives_review_result_code'); END;
CREATE TRIGGER contract_objectives_review_result_code_update BEFORE UPDATE OF review_result ON contract_objectives
    WHEN NEW.review_result NOT IN ('reached', 'partly', 'not_reached')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: contract_objectives_review_result_code'); END;
CREATE TRIGGER actions_service_type_code_insert BEFORE INSERT ON actions
    WHEN NEW.service_type NOT IN ('accompagnement', 'aide-financiere', 'aide-materielle', 'atelier', 'formation', 'information')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_service_type_code'); END;
CREATE TRIGGER actions_service_type_code_update BEFORE UPDATE OF service_type ON actions
    WHEN NEW.service_type NOT IN ('accompagnement', 'aide-financiere', 'aide-materielle', 'atelier', 'formation', 'information')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_service_type_code'); END;
CREATE TRIGGER actions_format_code_insert BEFORE INSERT ON actions
    WHEN NEW.format NOT IN ('individual', 'collective')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_format_code'); END;
CREATE TRIGGER actions_format_code_update BEFORE UPDATE OF format ON actions
    WHEN NEW.format NOT IN ('individual', 'collective')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_format_code'); END;
CREATE TRIGGER actions_capacity_period_code_insert BEFORE INSERT ON actions
    WHEN NEW.capacity_period NOT IN ('continuous', 'session', 'year')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_capacity_period_code'); END;
CREATE TRIGGER actions_capacity_period_code_update BEFORE UPDATE OF capacity_period ON actions
    WHEN NEW.capacity_period NOT IN ('continuous', 'session', 'year')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_capacity_period_code'); END;
CREATE TRIGGER actions_status_code_insert BEFORE INSERT ON actions
    WHEN NEW.status NOT IN ('draft', 'published', 'archived')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_status_code'); END;
CREATE TRIGGER actions_status_code_update BEFORE UPDATE OF status ON actions
    WHEN NEW.status NOT IN ('draft', 'published', 'archived')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: actions_status_code'); END;
CREATE TRIGGER action_fundings_kind_code_insert BEFORE INSERT ON action_fundings
    WHEN NEW.kind NOT IN ('procurement', 'subsidy')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: action_fundings_kind_code'); END;
CREATE TRIGGER action_fundings_kind_code_update BEFORE UPDATE OF kind ON action_fundings
    WHEN NEW.kind NOT IN ('procurement', 'subsidy')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: action_fundings_kind_code'); END;
CREATE TRIGGER referrals_status_code_insert BEFORE INSERT ON referrals
    WHEN NEW.status NOT IN ('pending_validation', 'sent', 'waiting', 'offered', 'entered', 'refused', 'declined', 'expired', 'cancelled', 'exited')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_status_code'); END;
CREATE TRIGGER referrals_status_code_update BEFORE UPDATE OF status ON referrals
    WHEN NEW.status NOT IN ('pending_validation', 'sent', 'waiting', 'offered', 'entered', 'refused', 'declined', 'expired', 'cancelled', 'exited')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_status_code'); END;
CREATE TRIGGER referrals_refusal_reason_code_insert BEFORE INSERT ON referrals
    WHEN NEW.refusal_reason NOT IN ('not_target_public', 'no_place_this_period', 'unreachable', 'person_declined', 'not_suited_now', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_refusal_reason_code'); END;
CREATE TRIGGER referrals_refusal_reason_code_update BEFORE UPDATE OF refusal_reason ON referrals
    WHEN NEW.refusal_reason NOT IN ('not_target_public', 'no_place_this_period', 'unreachable', 'person_declined', 'not_suited_now', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_refusal_reason_code'); END;
CREATE TRIGGER referrals_exit_reason_code_insert BEFORE INSERT ON referrals
    WHEN NEW.exit_reason NOT IN ('completed', 'employment', 'training', 'other_action', 'health', 'moved', 'dropped_out', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_exit_reason_code'); END;
CREATE TRIGGER referrals_exit_reason_code_update BEFORE UPDATE OF exit_reason ON referrals
    WHEN NEW.exit_reason NOT IN ('completed', 'employment', 'training', 'other_action', 'health', 'moved', 'dropped_out', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_exit_reason_code'); END;
CREATE TRIGGER referrals_exit_situation_code_insert BEFORE INSERT ON referrals
    WHEN NEW.exit_situation NOT IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_exit_situation_code'); END;
CREATE TRIGGER referrals_exit_situation_code_update BEFORE UPDATE OF exit_situation ON referrals
    WHEN NEW.exit_situation NOT IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_exit_situation_code'); END;
CREATE TRIGGER referrals_situation_4_weeks_code_insert BEFORE INSERT ON referrals
    WHEN NEW.situation_4_weeks NOT IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_situation_4_weeks_code'); END;
CREATE TRIGGER referrals_situation_4_weeks_code_update BEFORE UPDATE OF situation_4_weeks ON referrals
    WHEN NEW.situation_4_weeks NOT IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_situation_4_weeks_code'); END;
CREATE TRIGGER attendances_status_code_insert BEFORE INSERT ON attendances
    WHEN NEW.status NOT IN ('present', 'absent', 'excused')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: attendances_status_code'); END;
CREATE TRIGGER attendances_status_code_update BEFORE UPDATE OF status ON attendances
    WHEN NEW.status NOT IN ('present', 'absent', 'excused')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: attendances_status_code'); END;
CREATE TRIGGER fse_entries_employment_status_code_insert BEFORE INSERT ON fse_entries
    WHEN NEW.employment_status NOT IN ('unemployed', 'long_term_unemployed', 'inactive', 'employed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: fse_entries_employment_status_code'); END;
CREATE TRIGGER fse_entries_employment_status_code_update BEFORE UPDATE OF employment_status ON fse_entries
    WHEN NEW.employment_status NOT IN ('unemployed', 'long_term_unemployed', 'inactive', 'employed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: fse_entries_employment_status_code'); END;
CREATE TRIGGER fse_entries_education_level_code_insert BEFORE INSERT ON fse_entries
    WHEN NEW.education_level NOT IN ('isced_0_2', 'isced_3_4', 'isced_5_8')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: fse_entries_education_level_code'); END;
CREATE TRIGGER fse_entries_education_level_code_update BEFORE UPDATE OF education_level ON fse_entries
    WHEN NEW.education_level NOT IN ('isced_0_2', 'isced_3_4', 'isced_5_8')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: fse_entries_education_level_code'); END;
