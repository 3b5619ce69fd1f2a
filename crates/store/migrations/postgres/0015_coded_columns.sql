-- Coded columns accept only the domain's codes (kept in step with the
-- domain's enums by the conformance suite). NULL stays allowed where the
-- column is optional.

ALTER TABLE organisations ADD CONSTRAINT organisations_kind_code CHECK (kind IN ('department_service', 'ccas', 'association', 'france_travail', 'mission_locale', 'cap_emploi', 'siae', 'other'));
ALTER TABLE users ADD CONSTRAINT users_role_code CHECK (role IN ('admin', 'programme_officer', 'manager', 'referent', 'operator', 'dpo'));
ALTER TABLE households ADD CONSTRAINT households_fund_code CHECK (fund IN ('caf', 'msa'));
ALTER TABLE persons ADD CONSTRAINT persons_household_role_code CHECK (household_role IN ('DEM', 'CJT', 'ENF', 'AUT'));
ALTER TABLE persons ADD CONSTRAINT persons_sex_code CHECK (sex IN ('F', 'M'));
ALTER TABLE persons ADD CONSTRAINT persons_closure_reason_code CHECK (closure_reason IN ('rsa_closed', 'moved', 'end_of_duties', 'deceased', 'merged', 'other'));
ALTER TABLE orientations ADD CONSTRAINT orientations_kind_code CHECK (kind IN ('professional', 'socio_professional', 'social'));
ALTER TABLE orientations ADD CONSTRAINT orientations_status_code CHECK (status IN ('pending', 'validated', 'rejected'));
ALTER TABLE person_clocks ADD CONSTRAINT person_clocks_kind_code CHECK (kind IN ('orientation', 'contract', 'joint_review', 'contract_end'));
ALTER TABLE contracts ADD CONSTRAINT contracts_kind_code CHECK (kind IN ('cer', 'engagement'));
ALTER TABLE contracts ADD CONSTRAINT contracts_status_code CHECK (status IN ('draft', 'signed', 'awaiting_validation', 'validated', 'rejected', 'running', 'ended', 'reviewed', 'renewed'));
ALTER TABLE contracts ADD CONSTRAINT contracts_hours_reason_code CHECK (hours_reason IN ('health', 'disability', 'childcare', 'other'));
ALTER TABLE contract_objectives ADD CONSTRAINT contract_objectives_review_result_code CHECK (review_result IN ('reached', 'partly', 'not_reached'));
ALTER TABLE actions ADD CONSTRAINT actions_service_type_code CHECK (service_type IN ('accompagnement', 'aide-financiere', 'aide-materielle', 'atelier', 'formation', 'information'));
ALTER TABLE actions ADD CONSTRAINT actions_format_code CHECK (format IN ('individual', 'collective'));
ALTER TABLE actions ADD CONSTRAINT actions_capacity_period_code CHECK (capacity_period IN ('continuous', 'session', 'year'));
ALTER TABLE actions ADD CONSTRAINT actions_status_code CHECK (status IN ('draft', 'published', 'archived'));
ALTER TABLE action_fundings ADD CONSTRAINT action_fundings_kind_code CHECK (kind IN ('procurement', 'subsidy'));
ALTER TABLE referrals ADD CONSTRAINT referrals_status_code CHECK (status IN ('pending_validation', 'sent', 'waiting', 'offered', 'entered', 'refused', 'declined', 'expired', 'cancelled', 'exited'));
ALTER TABLE referrals ADD CONSTRAINT referrals_refusal_reason_code CHECK (refusal_reason IN ('not_target_public', 'no_place_this_period', 'unreachable', 'person_declined', 'not_suited_now', 'other'));
ALTER TABLE referrals ADD CONSTRAINT referrals_exit_reason_code CHECK (exit_reason IN ('completed', 'employment', 'training', 'other_action', 'health', 'moved', 'dropped_out', 'other'));
ALTER TABLE referrals ADD CONSTRAINT referrals_exit_situation_code CHECK (exit_situation IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown'));
ALTER TABLE referrals ADD CONSTRAINT referrals_situation_4_weeks_code CHECK (situation_4_weeks IN ('employment', 'training', 'qualification', 'job_searching', 'other_action', 'dropped_out', 'moved', 'health', 'unknown'));
ALTER TABLE attendances ADD CONSTRAINT attendances_status_code CHECK (status IN ('present', 'absent', 'excused'));
ALTER TABLE fse_entries ADD CONSTRAINT fse_entries_employment_status_code CHECK (employment_status IN ('unemployed', 'long_term_unemployed', 'inactive', 'employed'));
ALTER TABLE fse_entries ADD CONSTRAINT fse_entries_education_level_code CHECK (education_level IN ('isced_0_2', 'isced_3_4', 'isced_5_8'));
